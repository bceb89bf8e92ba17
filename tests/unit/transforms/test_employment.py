"""Employment-type and flexible-work classification: positive and negative cases per rule."""

from __future__ import annotations

import pytest

from transforms.normalise.employment import FLAG_RULES, TYPE_RULES, classify
from transforms.vocabulary import EMPLOYMENT_TYPES


@pytest.mark.parametrize(
    ("title", "desc", "etype", "tags", "expected"),
    [
        ("数据分析师", None, "全职", None, "FULL_TIME"),  # lagou jobNature
        ("数据分析实习生", None, "实习", None, "INTERN"),
        ("客服", None, "兼职", None, "PART_TIME"),
        ("Data Scientist", None, "Full-time", None, "FULL_TIME"),
        ("Data Scientist", None, "FULL_TIME", None, "FULL_TIME"),
        ("Analyst", None, "Part-time", None, "PART_TIME"),
        ("Analyst", None, "Contract", None, "CONTRACTOR"),
        ("Analyst", None, "Temporary", None, "TEMPORARY"),
        ("Analyst", None, "Internship", None, "INTERN"),
        ("Nurse", None, "Per Diem", None, "PER_DIEM"),
        ("搬运工", "日结150元，干一天结一天", None, None, "PER_DIEM"),
        ("商场保洁小时工", None, None, None, "PART_TIME"),
        ("仓库临时工", None, None, None, "TEMPORARY"),
        ("暑假工", None, None, None, "TEMPORARY"),
        ("产品运营", "4天/周3个月本科", None, None, "INTERN"),  # boss internship requirement
        ("收银员", None, None, ["五险一金", "兼职"], "PART_TIME"),
        ("软件工程师", "负责后端开发", None, None, "OTHER"),  # no evidence → OTHER, not FULL_TIME
        ("International Sales", "internal tools", None, None, "OTHER"),
        ("客服", "非全职岗位", None, None, "OTHER"),
        # explicit field beats the description
        ("仓管", "可兼职", "全职", None, "FULL_TIME"),
    ],
)
def test_employment_type(
    title: str, desc: str | None, etype: str | None, tags: list[str] | None, expected: str
) -> None:
    c = classify(title, desc, etype, tags)
    assert c.employment_type == expected, c
    assert c.employment_type in EMPLOYMENT_TYPES
    if expected != "OTHER":
        assert any(r.startswith("type.") for r in c.rules_fired)


def test_night_vs_day_shift() -> None:
    night = classify("保安", "需要上夜班，月休4天", None, None)
    day = classify("保安", "白班，早8晚5", None, None)
    assert night.night_shift and "flag.night_shift" in night.rules_fired
    assert not day.night_shift and "flag.night_shift" not in day.rules_fired
    assert classify("保安", "通宵值守", None, None).night_shift
    assert classify("店员", "晚班补贴", None, None).night_shift
    assert classify("Nurse", "Night shift differential", None, None).night_shift
    assert not classify("店员", "无夜班，双休", None, None).night_shift
    assert not classify("店员", "不上夜班", None, None).night_shift


@pytest.mark.parametrize(
    ("desc", "attr", "expected"),
    [
        ("工资日结", "daily_pay", True),
        ("当天结算工资", "daily_pay", True),
        ("月结，每月15号发薪", "daily_pay", False),
        ("时间自由，多劳多得", "flexible_hours", True),
        ("弹性工作制", "flexible_hours", True),
        ("固定上班时间", "flexible_hours", False),
        ("短期项目，干满一个月", "short_term", True),
        ("长期稳定", "short_term", False),
        ("招临时工若干", "temporary", True),
        ("长期合同", "temporary", False),
        ("妈妈岗，可接送孩子", "for_mothers", True),
        ("工作时间9:00-15:00，适合宝妈", "for_mothers", True),
        ("工作时间 9:00-15:00", "for_mothers", True),
        ("工作时间9:00-18:00", "for_mothers", False),
        ("银龄岗，欢迎退休人员", "for_seniors", True),
        ("年龄50-65岁，身体健康", "for_seniors", True),
        ("年龄不限", "for_seniors", True),
        ("60岁以下均可", "for_seniors", True),
        ("年龄18-35岁", "for_seniors", False),
        ("助残岗，欢迎残疾人朋友", "for_disabled", True),
        ("残障人士优先", "for_disabled", True),
        ("不招残疾人", "for_disabled", False),
        ("身体健康，能吃苦", "for_disabled", False),
    ],
)
def test_flags_and_groups(desc: str, attr: str, expected: bool) -> None:
    c = classify("普工", desc, None, None)
    assert getattr(c, attr) is expected, c


def test_rules_fired_audit_trail() -> None:
    c = classify("夜班保安（日结）", "退休人员优先", "兼职", ["妈妈岗"])
    assert c.employment_type == "PART_TIME"
    assert c.rules_fired[0] == "type.part_time@explicit"
    assert {"flag.night_shift", "flag.daily_pay", "group.senior.keyword", "group.mother.keyword"} <= set(c.rules_fired)
    assert c.night_shift and c.daily_pay and c.for_seniors and c.for_mothers
    assert not c.for_disabled


def test_rules_are_a_table() -> None:
    names = [r.name for r in (*TYPE_RULES, *FLAG_RULES)]
    assert len(names) == len(set(names))
    assert all(r.employment_type in EMPLOYMENT_TYPES for r in TYPE_RULES)
    empty = classify(None, None, None, None)
    assert empty.employment_type == "OTHER" and empty.rules_fired == []


def test_english_boilerplate_does_not_fire() -> None:
    """US postings' benefits/EEO prose must not read as job-type evidence (seen in the Glassdoor file)."""
    c = classify(
        "Data Scientist",
        "We offer short-term disability insurance and seasonal company events. VEVRAA federal contractor. "
        "Must be available for overnight travel. Previous internship experience preferred. "
        "Individuals with disabilities are encouraged to apply.",
        None,
        None,
    )
    assert c.employment_type == "OTHER" and c.rules_fired == [], c
    assert classify("Analyst", "This is a contract-to-hire position", None, None).employment_type == "CONTRACTOR"
    assert classify("Analyst", "Temporary position for 3 months", None, None).temporary
    assert classify("Nurse", "Overnight shift 11p-7a", None, None).night_shift
