"""Titles: decoration stripped, synonyms unified, and a GB/T 6565 major group for real and demo titles."""

from __future__ import annotations

import json
from collections import Counter

import pandas as pd
import pytest

from demo.generate import OCCUPATIONS
from landing.paths import shared_data_dir
from transforms.normalise.title import MAJOR_GROUPS, SYNONYMS, major_group, normalise_title


@pytest.mark.parametrize(
    ("title", "norm"),
    [
        ("【急招】妈妈岗-收银员（日结）", "收银员"),
        ("急招 外卖骑手 包吃住", "外卖配送员"),
        ("超市理货员 5名", "理货员"),
        ("['大数据架构师']", "大数据架构师"),  # a scraped Python-list cell
        ("Ｐｙｔｈｏｎ讲师", "python讲师"),  # full-width folded, lower-cased
        ("保洁阿姨", "保洁员"),
        ("【急招】", "【急招】"),  # nothing but decoration: keep the text rather than lose the title
    ],
)
def test_normalise_title(title: str, norm: str) -> None:
    assert normalise_title(title) == norm


@pytest.mark.parametrize("title", [None, "", "[]", "  "])
def test_blank_titles(title: str | None) -> None:
    assert normalise_title(title) is None
    assert major_group(normalise_title(title)) == "8"


@pytest.mark.parametrize(
    ("title", "group"),
    [
        ("店长", "1"), ("Java架构师", "2"), ("Senior Data Analyst", "2"), ("数据分析实习生", "2"),
        ("行政文员", "3"), ("大蒜采收工", "5"), ("电焊工", "6"), ("保安", "4"), ("育儿嫂", "4"),
        ("仓管员", "4"), ("外卖骑手", "4"), ("算命先生", "8"),
    ],
)
def test_major_group(title: str, group: str) -> None:
    assert major_group(normalise_title(title)) == group


def test_synonyms_are_stable() -> None:
    """A normalised title maps to itself: applying the synonym table twice changes nothing."""
    for target in set(SYNONYMS.values()):
        assert normalise_title(target) == target
    assert {code for code, _ in MAJOR_GROUPS} == set("12345678")


def test_every_demo_occupation_has_a_group() -> None:
    titles = [t for o in OCCUPATIONS.values() for t in o.titles]
    unknown = [t for t in titles if major_group(normalise_title(t)) == "8"]
    assert not unknown, unknown


def test_real_titles_mostly_grouped() -> None:
    root = shared_data_dir()
    assert root.is_dir(), f"real data folder missing: {root}"
    columns = {
        "boss": pd.read_csv(root / "boss" / "boss.csv", dtype=str)["职位名称"],
        "51job": pd.read_csv(root / "51job" / "51job.csv", dtype=str)["职位"],
        "51job_gbk": pd.read_csv(root / "51job_gbk" / "51job.csv", dtype=str, encoding="gbk")["职位"],
        "lagou": pd.read_csv(root / "lagou" / "lagou.csv", dtype=str, encoding="utf-8-sig")["positionName"],
        "zhaopin": pd.Series(
            [o["jobName"] for o in json.loads((root / "zhaopin" / "zhaopin_api.json").read_text(encoding="utf-8"))]
        ),
    }
    print()
    for name, col in columns.items():
        titles = col.dropna()
        groups = Counter(major_group(normalise_title(t)) for t in titles)
        share = 1 - groups["8"] / len(titles)
        print(f"  {name}: {share:.1%} of {len(titles)} titles in a major group {dict(sorted(groups.items()))}")
        assert share >= 0.85, (name, groups)
