"""Classify a posting's employment type (schema.org ``employmentType``) and flexible-work flags/groups.

Why: 济宁's job pool highlights flexible work (日结, 小时工, 夜班) and targeted programmes — 妈妈岗
(school-hours jobs for mothers), 银龄岗 (older workers) and 助残岗 (disabled workers) — which the boards
never tag consistently. The rules live in one data table (regex → effect) so they can be reviewed and
extended without touching control flow, and every decision is named in ``rules_fired`` for audit.

Precedence for ``employment_type``: explicit text (``employment_type_text`` and ``tags``) beats the
title, which beats the description; within one tier the earliest row in ``TYPE_RULES`` wins (specific
before general, FULL_TIME last). FULL_TIME is only set from explicit wording (全职, full-time, 正式工…);
with no evidence the result is OTHER. A match preceded in the same clause by a negation (不/无/非/没有/
谢绝/no/not…) is ignored, so ``无夜班`` or ``不招残疾人`` do not fire (best effort, not a parser).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

EMPLOYMENT_TYPES = ("FULL_TIME", "PART_TIME", "CONTRACTOR", "TEMPORARY", "INTERN", "PER_DIEM", "OTHER")
FLAGS = ("short_term", "flexible_hours", "temporary", "daily_pay", "night_shift")
GROUPS = ("mother_friendly", "senior_friendly", "disability_friendly")


@dataclass
class Classification:
    """Result of :func:`classify`; ``rules_fired`` lists ``rule-name`` for every rule that set something."""

    employment_type: str = "OTHER"
    short_term: bool = False
    flexible_hours: bool = False
    temporary: bool = False
    daily_pay: bool = False
    night_shift: bool = False
    mother_friendly: bool = False
    senior_friendly: bool = False
    disability_friendly: bool = False
    rules_fired: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Rule:
    """One table row: when ``pattern`` matches (un-negated), set ``employment_type`` and/or boolean fields.

    ``requires``: literal substrings of which one must occur before the regex runs at all — a C-speed
    ``in`` check that spares long descriptions the slow regexes (digit/boundary-led patterns have no
    first-character skip). ``explicit_only``: the row applies only to the explicit employment-type text.
    """

    name: str
    pattern: re.Pattern[str]
    employment_type: str | None = None
    sets: tuple[str, ...] = ()
    requires: tuple[str, ...] = ()
    explicit_only: bool = False


def _r(
    name: str,
    pattern: str,
    employment_type: str | None = None,
    *sets: str,
    requires: tuple[str, ...] = (),
    explicit_only: bool = False,
) -> Rule:
    # No re.I: input is lower-cased once, which keeps sre's first-character skip table (much faster).
    return Rule(name, re.compile(pattern), employment_type, sets, requires, explicit_only)


# English prose is full of "short-term disability", "seasonal events", "temporary appointment" boilerplate;
# only a temporary/short-term *job* counts.
_EN_JOB = r"\s+(?:position|role|job|assignment|work|employee|project|contract|basis)"
_EN_TEMP = rf"\btemp(?:orary)?{_EN_JOB}|\btemp[\s-]to[\s-]hire|type:\s*temp(?:orary)?\b|\bseasonal{_EN_JOB}"
_EN_SHORT = rf"short[\s-]?term{_EN_JOB}|\bseasonal{_EN_JOB}"

# Employment-type vocabulary, most specific first (the first matching row in a tier wins).
TYPE_RULES: tuple[Rule, ...] = (
    _r(
        "type.intern",
        r"实习|见习|\bintern(?:ship|s)?\b(?!\s+experience)|\d\s*天\s*/\s*周\s*\d+\s*个月",
        "INTERN",
        requires=("实习", "见习", "intern", "周"),
    ),
    _r("type.per_diem", r"日结|per[\s_-]?diem|按天结算|当天结算", "PER_DIEM"),
    _r(
        "type.temporary",
        r"临时工?|短期工|寒假工|暑假工|假期工|季节工|零工|" + _EN_TEMP,
        "TEMPORARY",
        requires=("临时", "短期工", "寒假工", "暑假工", "假期工", "季节工", "零工", "temp", "seasonal"),
    ),
    _r("type.temporary.explicit", r"\btemp(?:orary)?\b|\bseasonal\b", "TEMPORARY", explicit_only=True),
    _r("type.part_time", r"兼职|小时工|钟点工|part[\s_-]?time", "PART_TIME"),
    # A bare "contract(or)" is only trusted in the employment-type field; in prose it is usually
    # "government contracts" / "federal contractor", so the inferred row needs contract-to-hire etc.
    _r("type.contractor.explicit", r"\bcontract", "CONTRACTOR", explicit_only=True),
    _r(
        "type.contractor",
        r"外包|劳务派遣|派遣工|合同工|承包|freelance|自由职业|\bc2c\b"
        r"|\bcontract(?:[\s-]to[\s-]hire|\s+(?:position|role|job|basis|assignment|employee))\b",
        "CONTRACTOR",
        requires=("外包", "派遣", "合同工", "承包", "freelance", "自由职业", "contract", "c2c"),
    ),
    _r("type.full_time", r"全职|正式工|正式员工|正式编制|full[\s_-]?time", "FULL_TIME"),
)

# Flags and target groups; these look at every text field together.
FLAG_RULES: tuple[Rule, ...] = (
    _r("flag.short_term", r"短期|临时|寒假工|暑假工|假期工|季节性|" + _EN_SHORT, None, "short_term"),
    _r(
        "flag.temporary",
        r"临时|零工|短期工|" + _EN_TEMP,
        None,
        "temporary",
        requires=("临时", "零工", "短期工", "temp"),
    ),
    _r(
        "flag.flexible_hours",
        r"时间自由|时间灵活|弹性工作|弹性时间|灵活就业|灵活用工|自由安排|灵活安排|小时工|钟点工|兼职"
        r"|flexible\s+(?:hours|schedule|working)",
        None,
        "flexible_hours",
    ),
    _r("flag.daily_pay", r"日结|当天结|日薪|按天结算|daily\s+pay", None, "daily_pay"),
    _r(
        "flag.night_shift",
        r"夜班|晚班|通宵|大夜|夜间(?:值班|工作|上班)|(?:night|overnight|graveyard)\s+shift",
        None,
        "night_shift",
    ),
    _r("group.mother.keyword", r"妈妈岗|宝妈|宝爸|接送孩子|接孩子|照顾家庭|兼顾家庭", None, "mother_friendly"),
    # School-time hours: start 8:00–9:59, finish 14:00–15:59 (e.g. 9:00-15:00).
    _r(
        "group.mother.school_hours",
        r"(?<!\d)(?:0?[89])\s*[:：点]\s*(?:[0-5]\d)?\s*(?:-|~|至|到|—|–)\s*(?:1[45])\s*[:：点]",
        None,
        "mother_friendly",
        requires=("14:", "15:", "14：", "15：", "14点", "15点", "14 ", "15 "),
    ),
    _r(
        "group.senior.keyword",
        r"银龄|退休|返聘|中老年|老年人|年龄不限|不限年龄|年龄无要求|年龄不限制",
        None,
        "senior_friendly",
    ),
    # An age band reaching 55+ (e.g. 50-65岁, 60岁以下).
    _r(
        "group.senior.age_band",
        r"(?<!\d)\d{2}\s*(?:-|~|至|到|—|–)\s*(?:5[5-9]|[67]\d)\s*(?:周)?岁|(?<!\d)(?:5[5-9]|[67]\d)\s*(?:周)?岁以(?:下|内)",
        None,
        "senior_friendly",
        requires=("岁",),
    ),
    # Chinese only: English "disability" is almost always US EEO boilerplate, not a 助残岗 programme.
    _r("group.disability", r"助残|残疾|残障|残联", None, "disability_friendly"),
)

_NEGATION = re.compile(r"不|无|非|没有|谢绝|拒绝|禁止|\bno\b|\bnot\b|\bnon\b|without")
_CLAUSE_BREAK = re.compile(r"[，,。；;.!！?？\n、]")
_NEG_WINDOW = 6


def _negated(text: str, start: int) -> bool:
    """True if the clause just before ``start`` holds a negation (``不招残疾人``, ``无夜班``)."""
    window = text[max(0, start - _NEG_WINDOW) : start]
    parts = _CLAUSE_BREAK.split(window)
    return bool(_NEGATION.search(parts[-1]))


def _fires(rule: Rule, text: str) -> bool:
    if rule.requires and not any(k in text for k in rule.requires):
        return False
    return any(not _negated(text, m.start()) for m in rule.pattern.finditer(text))


def _text(value: object) -> str:
    """Non-strings (None, pandas NaN) count as no text."""
    return value if isinstance(value, str) else ""


def _join(parts: Iterable[str | None]) -> str:
    return "\n".join(p for p in parts if p)


def classify(
    title: str | None,
    description: str | None,
    employment_type_text: str | None,
    tags: list[str] | None,
) -> Classification:
    """Apply ``TYPE_RULES`` by tier (explicit > title > description) and ``FLAG_RULES`` to all text."""
    out = Classification()
    explicit = _join([_text(employment_type_text), *map(_text, tags or [])]).lower()
    title_l, desc_l = _text(title).lower(), _text(description).lower()
    tiers = (("explicit", explicit), ("title", title_l), ("description", desc_l))
    for tier, text in tiers:
        if not text:
            continue
        rule = next((r for r in TYPE_RULES if (tier == "explicit" or not r.explicit_only) and _fires(r, text)), None)
        if rule is not None:
            out.employment_type = rule.employment_type or "OTHER"
            out.rules_fired.append(f"{rule.name}@{tier}")
            break
    everything = _join([explicit, title_l, desc_l])
    for rule in FLAG_RULES:
        if _fires(rule, everything):
            for attr in rule.sets:
                setattr(out, attr, True)
            out.rules_fired.append(rule.name)
    return out
