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
from functools import lru_cache
from typing import Any

FLAGS = ("short_term", "flexible_hours", "temporary", "daily_pay", "night_shift")


@dataclass
class Classification:
    """Result of :func:`classify`; ``rules_fired`` lists ``rule-name`` for every rule that set something."""

    employment_type: str = "OTHER"
    short_term: bool = False
    flexible_hours: bool = False
    temporary: bool = False
    daily_pay: bool = False
    night_shift: bool = False
    for_mothers: bool = False
    for_seniors: bool = False
    for_disabled: bool = False
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
    _r("group.mother.keyword", r"妈妈岗|宝妈|宝爸|接送孩子|接孩子|照顾家庭|兼顾家庭", None, "for_mothers"),
    # School-time hours: start 8:00–9:59, finish 14:00–15:59 (e.g. 9:00-15:00).
    _r(
        "group.mother.school_hours",
        r"(?<!\d)(?:0?[89])\s*[:：点]\s*(?:[0-5]\d)?\s*(?:-|~|至|到|—|–)\s*(?:1[45])\s*[:：点]",
        None,
        "for_mothers",
        requires=("14:", "15:", "14：", "15：", "14点", "15点", "14 ", "15 "),
    ),
    _r(
        "group.senior.keyword",
        r"银龄|退休|返聘|中老年|老年人|年龄不限|不限年龄|年龄无要求|年龄不限制",
        None,
        "for_seniors",
    ),
    # An age band reaching 55+ (e.g. 50-65岁, 60岁以下).
    _r(
        "group.senior.age_band",
        r"(?<!\d)\d{2}\s*(?:-|~|至|到|—|–)\s*(?:5[5-9]|[67]\d)\s*(?:周)?岁|(?<!\d)(?:5[5-9]|[67]\d)\s*(?:周)?岁以(?:下|内)",
        None,
        "for_seniors",
        requires=("岁",),
    ),
    # Chinese only: English "disability" is almost always US EEO boilerplate, not a 助残岗 programme.
    _r("group.disability", r"助残|残疾|残障|残联", None, "for_disabled"),
)

_NEGATION = re.compile(r"不|无|非|没有|谢绝|拒绝|禁止|\bno\b|\bnot\b|\bnon\b|without")
_CLAUSE_BREAK = re.compile(r"[，,。；;.!！?？\n、]")
_NEG_WINDOW = 6


# Every negation starts with one of these (text is lower-cased): a window without any holds none.
_NEG_FIRST = frozenset("不无非没谢拒禁nw")


def _negated(text: str, start: int) -> bool:
    """True if the clause just before ``start`` holds a negation (``不招残疾人``, ``无夜班``)."""
    window = text[max(0, start - _NEG_WINDOW) : start]
    if _NEG_FIRST.isdisjoint(window):
        return False
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


def explicit_text(employment_type_text: object, tags: list[str] | tuple[str, ...] | None) -> str:
    """The explicit tier's text: the source's employment-type field and its tags, lower-cased."""
    return _join([_text(employment_type_text), *map(_text, tags or [])]).lower()


def _type_rule(tier: str, text: str) -> Rule | None:
    """First ``TYPE_RULES`` row that fires on one tier's (lower-cased) text."""
    if not text:
        return None
    return next((r for r in TYPE_RULES if (tier == "explicit" or not r.explicit_only) and _fires(r, text)), None)


def _classify_lower(explicit: str, title_l: str, desc_l: str) -> Classification:
    out = Classification()
    for tier, text in (("explicit", explicit), ("title", title_l), ("description", desc_l)):
        rule = _type_rule(tier, text)
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


def classify(
    title: str | None,
    description: str | None,
    employment_type_text: str | None,
    tags: list[str] | None,
) -> Classification:
    """Apply ``TYPE_RULES`` by tier (explicit > title > description) and ``FLAG_RULES`` to all text."""
    return _classify_lower(
        explicit_text(employment_type_text, tags), _text(title).lower(), _text(description).lower()
    )


# ---------------------------------------------------------------------------------------------- batches
#
# A batch is classified without running the rules on every description. ``everything`` is
# P + "\n" + D (P: explicit and title, D: description). Matches never cross the "\n" unless a pattern's
# whitespace element spans it, and a clause break stops every negation window there, so the flags of
# ``everything`` are those of P alone whenever D holds no match of any rule and cannot continue one
# (its first character is none that may follow a whitespace element). P repeats (a few thousand
# distinct pairs per million postings) and is classified once per distinct value; a C++ (RE2) pass
# over the descriptions with a superset of every rule picks the few rows that need the full rules.

_PY_SPACE = "".join(f"\\x{{{ord(c):x}}}" for c in map(chr, range(0x3001)) if c.isspace())
_LOOKAROUND = re.compile(r"\(\?<?[!=]")


def _re2_superset(pattern: str) -> str:
    """RE2 form of a ``re`` pattern that matches at least wherever it matches: look-arounds dropped
    (RE2 has none), Python's Unicode ``\\d``/``\\s`` spelled out (RE2's are ASCII)."""
    out, i, in_class = [], 0, False
    while i < len(pattern):
        m = _LOOKAROUND.match(pattern, i) if not in_class else None
        if m:
            depth, j = 0, i
            while True:  # skip to the matching ")"
                c = pattern[j]
                if c == "\\":
                    j += 2
                    continue
                depth += c == "("
                depth -= c == ")"
                j += 1
                if depth == 0:
                    break
            i = j
            continue
        c = pattern[i]
        if c == "\\":
            nxt = pattern[i + 1]
            if nxt == "d":
                out.append("\\p{Nd}")
            elif nxt == "s":
                out.append(_PY_SPACE if in_class else f"[{_PY_SPACE}]")
            else:
                out.append(pattern[i : i + 2])
            i += 2
            continue
        if c == "[" and not in_class:
            in_class = True
        elif c == "]" and in_class:
            in_class = False
        out.append(c)
        i += 1
    return "".join(out)


#: RE2 pattern matching (case-insensitively, on the raw text) wherever a description-tier type rule or
#: a flag rule could fire on the lower-cased text.
DESC_PREFILTER_RE2 = "(?i)" + "|".join(
    f"(?:{_re2_superset(r.pattern.pattern)})" for r in (*FLAG_RULES, *TYPE_RULES) if not r.explicit_only
)
_CONTINUES = frozenset(":：点-~至到—–周岁")


def _may_continue(first: str | None) -> bool:
    """Can a match that began before the "\\n" go on with this first character of the description?"""
    if not first:
        return False
    c = first.lower()[0]
    return c.isspace() or c.isdecimal() or ("a" <= c <= "z") or c in _CONTINUES


Row = tuple[Any, ...]  # employment_type, the eight flags in RESULT_FIELDS order, tag_rules
RESULT_FIELDS = (
    "employment_type", "short_term", "flexible_hours", "temporary", "daily_pay", "night_shift",
    "for_mothers", "for_seniors", "for_disabled", "tag_rules",
)  # fmt: skip
_DESC_TYPE_RULES = tuple(r for r in TYPE_RULES if not r.explicit_only)
_RULE_RE2 = {r.name: "(?i)" + _re2_superset(r.pattern.pattern) for r in (*FLAG_RULES, *_DESC_TYPE_RULES)}


def _row(c: Classification) -> Row:
    return (*(getattr(c, f) for f in RESULT_FIELDS[:-1]), ",".join(c.rules_fired) or None)


@lru_cache(maxsize=4096)
def _combine(type_rule: tuple[Rule, str] | None, flags: frozenset[str]) -> Row:
    out = Classification()
    if type_rule is not None:
        rule, tier = type_rule
        out.employment_type = rule.employment_type or "OTHER"
        out.rules_fired.append(f"{rule.name}@{tier}")
    for rule in FLAG_RULES:
        if rule.name in flags:
            for attr in rule.sets:
                setattr(out, attr, True)
            out.rules_fired.append(rule.name)
    return _row(out)


@lru_cache(maxsize=8192)
def _tier_rule(tier: str, text: str) -> Rule | None:
    return _type_rule(tier, text)


@lru_cache(maxsize=8192)
def _flags(text: str) -> frozenset[str]:
    return frozenset(r.name for r in FLAG_RULES if _fires(r, text))


@lru_cache(maxsize=65_536)
def _prefix(explicit: str, title_l: str) -> tuple[tuple[Rule, str] | None, frozenset[str]]:
    """Type rule (with its tier) and flag rules that fire on P = explicit + title.

    Explicit texts and titles each repeat far more than their pairs do (a few dozen × a few hundred
    → thousands of pairs), so both parts are classified on their own and the flags united — exact
    when no match can run across the line break between them (the same argument as for P and the
    description, see below); otherwise the joined text is classified."""
    type_rule = None
    for tier, text in (("explicit", explicit), ("title", title_l)):
        rule = _tier_rule(tier, text)
        if rule is not None:
            type_rule = (rule, tier)
            break
    if not explicit or not title_l or not _may_continue(title_l[:1]):
        return type_rule, _flags(explicit) | _flags(title_l)
    everything = _join([explicit, title_l])
    return type_rule, frozenset(r.name for r in FLAG_RULES if _fires(r, everything))


def _rule_hits(texts: Any, n_rules: int) -> Any:
    """Boolean matrix texts × (description type rules, flag rules): which rules' RE2 supersets match.

    Every text is known to match at least one of them (the pre-filter), and most match exactly one,
    so the rules are found by halving: test the union of one half of the rules, rows it misses must
    match the other half, only rows it hits are tested against the other half too. About 1.5 RE2
    passes per level instead of one pass per rule (4 levels for 16 rules)."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    rules = (*_DESC_TYPE_RULES, *FLAG_RULES)
    hits = np.zeros((len(texts), n_rules), dtype=bool)

    def match(sub: Any, ids: range) -> Any:
        pattern = "|".join(f"(?:{_RULE_RE2[rules[i].name]})" for i in ids)
        return pc.fill_null(pc.match_substring_regex(sub, pattern), False).to_numpy(zero_copy_only=False)

    def split(ids: range, where: Any, sub: Any) -> None:
        if not len(where):
            return
        if len(ids) == 1:
            hits[where, ids[0]] = True
            return
        half = len(ids) // 2
        low, high = ids[:half], ids[half:]
        in_low = match(sub, low)
        low_rows = np.flatnonzero(in_low)
        both = np.zeros(len(where), dtype=bool)
        if len(low_rows):
            both[low_rows] = match(sub.take(pa.array(low_rows)), high)
        high_rows = np.flatnonzero(~in_low | both)
        split(low, where[low_rows], sub.take(pa.array(low_rows)))
        split(high, where[high_rows], sub.take(pa.array(high_rows)))

    split(range(n_rules), np.arange(len(texts)), texts)
    return hits


def classify_batch(explicit: Any, title: Any, description: Any) -> dict[str, Any]:
    """Vectorised :func:`classify`: Arrow arrays of explicit text (:func:`explicit_text`), raw titles and
    raw descriptions in; ``RESULT_FIELDS`` → Arrow array out, identical to the per-row function."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    from transforms.normalise.columnar import _array, encode, encode_codes

    explicit, title, description = _array(explicit), _array(title), _array(description)
    e_idx, e_vals = encode(explicit)
    t_idx, t_vals = encode(title)
    e_vals = [_text(v) for v in e_vals]
    t_vals = [_text(v).lower() for v in t_vals]
    p_first, p_inverse = encode_codes((e_idx, len(e_vals)), (t_idx, len(t_vals)))
    prefixes = [_prefix(e_vals[e_idx[f]], t_vals[t_idx[f]]) for f in p_first]
    results = [_combine(*p) for p in prefixes]
    index = p_inverse.astype(np.int64)

    has_desc = pc.fill_null(pc.greater(pc.utf8_length(description), 0), False).to_numpy(zero_copy_only=False)
    maybe = pc.fill_null(pc.match_substring_regex(description, DESC_PREFILTER_RE2), False)
    f_idx, f_vals = encode(pc.utf8_slice_codeunits(description, 0, 1))
    continues = np.array([_may_continue(v) for v in f_vals], dtype=bool)[f_idx]
    has_prefix = np.array([bool(e_vals[e_idx[f]] or t_vals[t_idx[f]]) for f in p_first], dtype=bool)[p_inverse]
    crossing = has_desc & continues & has_prefix  # a match might run from P into D: full rules
    split = has_desc & maybe.to_numpy(zero_copy_only=False) & ~crossing  # P cached + rules on D alone
    cache: dict[tuple[int, str], int] = {}

    def remember(key: tuple[int, str], row: Row) -> int:
        cache[key] = len(results)
        results.append(row)
        return cache[key]

    rows = np.flatnonzero(crossing)
    for row, desc in zip(rows, description.take(pa.array(rows)).to_pylist(), strict=True):
        key = (int(p_inverse[row]), desc)
        f = p_first[key[0]]
        k = cache.get(key)
        if k is None:
            k = remember(key, _row(_classify_lower(e_vals[e_idx[f]], t_vals[t_idx[f]], desc.lower())))
        index[row] = k
    rows = np.flatnonzero(split)
    if len(rows):
        sub = description.take(pa.array(rows))
        rules = (*_DESC_TYPE_RULES, *FLAG_RULES)
        n_type = len(_DESC_TYPE_RULES)
        # rows × rules hit matrix → one pattern id per row; per pattern, the rules worth running (usually 1)
        weights = np.left_shift(np.int64(1), np.arange(len(rules), dtype=np.int64))
        patterns, pattern_of = np.unique(_rule_hits(sub, len(rules)) @ weights, return_inverse=True)
        candidates = [
            (tuple(r for i, r in enumerate(rules[:n_type]) if int(p) >> i & 1),
             tuple(r for i, r in enumerate(rules[n_type:], n_type) if int(p) >> i & 1))
            for p in patterns
        ]
        for row, desc, pattern in zip(rows, sub.to_pylist(), pattern_of.reshape(-1).tolist(), strict=True):
            key = (int(p_inverse[row]), desc)
            k = cache.get(key)
            if k is None:
                type_rule, flags = prefixes[key[0]]
                type_hits, flag_hits = candidates[pattern]
                desc_l = desc.lower()
                if type_rule is None:
                    rule = next((r for r in type_hits if _fires(r, desc_l)), None)
                    type_rule = (rule, "description") if rule is not None else None
                more = frozenset(r.name for r in flag_hits if r.name not in flags and _fires(r, desc_l))
                k = remember(key, _combine(type_rule, flags | more))
            index[row] = k
    types = [pa.string(), *([pa.bool_()] * 8), pa.string()]
    return {
        name: pa.array([r[i] for r in results], type_).take(pa.array(index))
        for i, (name, type_) in enumerate(zip(RESULT_FIELDS, types, strict=True))
    }
