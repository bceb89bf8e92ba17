"""Employer-name normalisation: prefixes, legal suffixes, branches, Glassdoor ratings, real names."""

from __future__ import annotations

import pandas as pd
import pytest

from landing.paths import shared_data_dir
from transforms.normalise.employer import Employer, normalise_employer


@pytest.mark.parametrize(
    ("raw", "name", "key", "branch"),
    [
        ("济宁市金宇商贸有限公司", "济宁市金宇商贸有限公司", "金宇商贸", None),
        (
            "山东省济宁市任城区金宇商贸有限责任公司",
            "山东省济宁市任城区金宇商贸有限责任公司",
            "金宇商贸",
            None,
        ),
        ("金宇商贸（太白湖店）", "金宇商贸", "金宇商贸", "太白湖店"),
        ("曲阜三孔旅游有限公司(疃里店)", "曲阜三孔旅游有限公司", "曲阜三孔旅游", "疃里店"),
        ("金宇商贸有限公司任城分公司", "金宇商贸有限公司", "金宇商贸", "任城分公司"),
        (
            "上海花千树信息科技有限公司北京分公司",
            "上海花千树信息科技有限公司",
            "上海花千树信息科技",
            "北京分公司",
        ),
        ("银座超市济宁分店", "银座超市", "银座超市", "济宁分店"),
        ("万达广场第二分店", "万达广场", "万达广场", "第二分店"),
        ("邹城市兖矿集团", "邹城市兖矿集团", "兖矿", None),
        ("嘉祥县石雕艺术股份有限公司", "嘉祥县石雕艺术股份有限公司", "石雕艺术", None),
        ("山东如意科技集团有限公司", "山东如意科技集团有限公司", "如意科技", None),
        ("小小黛朵（北京）科技有限公司", "小小黛朵(北京)科技有限公司", "小小黛朵北京科技", None),
        (
            "天职国际会计师事务所(特殊普通合伙)",
            "天职国际会计师事务所(特殊普通合伙)",
            "天职国际会计师事务所",
            None,
        ),
        ("珠海深译信息有限...", "珠海深译信息有限...", "珠海深译信息", None),
        ("Tecolote Research\n3.8", "Tecolote Research", "tecoloteresearch", None),
        ("<intent>\n4.6", "<intent>", "intent", None),
        ("Acme, Inc.", "Acme, Inc.", "acme", None),
        ("Acme Co., Ltd.", "Acme Co., Ltd.", "acme", None),
        ("ACME LLC", "ACME LLC", "acme", None),
        ("ＡＢＣ　有限公司", "ABC 有限公司", "abc", None),
        ("  济宁  金宇 商贸 有限公司 ", "济宁 金宇 商贸 有限公司", "金宇商贸", None),
        ("山东大学", "山东大学", "山东大学", None),  # prefix kept when only a generic word would remain
        ("济宁医学院", "济宁医学院", "济宁医学院", None),
    ],
)
def test_normalise(raw: str, name: str, key: str, branch: str | None) -> None:
    assert normalise_employer(raw) == Employer(name, key, branch)


def test_variants_share_a_key() -> None:
    variants = [
        "济宁市金宇商贸有限公司",
        "金宇商贸（太白湖店）",
        "金宇商贸有限公司任城分公司",
        "山东金宇商贸",
        "金宇商贸集团",
    ]
    keys = {e.key for e in map(normalise_employer, variants) if e}
    assert keys == {"金宇商贸"}


@pytest.mark.parametrize("raw", [None, "", "   ", "-1", "[]"])
def test_blank(raw: str | None) -> None:
    assert normalise_employer(raw) is None


def test_real_names_have_keys() -> None:
    """Every real employer name yields a non-empty key; Glassdoor ratings never leak into it."""
    root = shared_data_dir()
    assert root.is_dir(), f"real data folder missing: {root}"
    names = pd.concat(
        [
            pd.read_csv(root / "boss" / "boss.csv", dtype=str)["公司名称"],
            pd.read_csv(root / "lagou" / "lagou.csv", dtype=str, encoding="utf-8-sig")["companyFullName"],
            pd.read_csv(root / "glassdoor" / "glassdoor_jobs.csv", dtype=str)["Company Name"],
        ]
    ).dropna()
    for raw in names.unique():
        e = normalise_employer(raw)
        assert e is not None and e.key, raw
        assert "\n" not in e.name, raw
