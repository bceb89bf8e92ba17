"""Parse free-text salary strings (Chinese and English job boards) into a schema.org-style ``Salary``.

Why: sources quote pay as ``10-15K·13薪``, ``0.6-1万/月``, ``150元/天``, ``$53K-$91K (Glassdoor est.)``…;
downstream needs one comparable shape (currency, period, min/max, a monthly equivalent) to filter and
rank jobs. The parser is a handful of precompiled regexes plus an ``lru_cache`` because the pipeline
calls it on the distinct salary strings of up to a million records.

Monthly-equivalent conventions (``monthly_min`` / ``monthly_max``, in the salary's own currency):

* ``DAYS_PER_MONTH = 21.75`` and ``HOURS_PER_MONTH = 174`` (21.75 × 8) come from the 劳动和社会保障部
  2008 notice 《关于职工全年月平均工作时间和工资折算问题的通知》 (劳社部发〔2008〕3号): 250 working
  days a year / 12 months = 20.83 *working* days, but for pay conversion the notice uses 365 − 104
  rest days = 261 paid days / 12 = 21.75 days and 21.75 × 8 = 174 hours a month.
* ``WEEKS_PER_MONTH = 52 / 12``; a YEAR amount is divided by ``MONTHS_PER_YEAR = 12``.
* ``N薪`` (``months_per_year`` 13, 14, …) **does** raise the monthly equivalent: it is defined as the
  annualised pay divided by 12, i.e. ``amount × (months_per_year / 12)`` for HOUR/DAY/WEEK/MONTH
  quotes. A YEAR quote is already an annual total, so ``N薪`` does not scale it again. This keeps
  ``15-20K·14薪`` comparable with ``21-28万/年``.

Period defaults when the text names none (documented heuristics, not facts):

* CNY with ``K``/``千`` → MONTH (BOSS直聘/拉勾 quote monthly pay as ``N-NK``).
* CNY with ``万`` or ``元``/bare numbers: MONTH if the top amount is 1,000–99,999; YEAR if ≥ 100,000;
  below 1,000 the period is ambiguous (hourly? daily?) and the string is treated as unparseable.
* USD/GBP/EUR: YEAR if ``K`` is used or the top amount is ≥ 1,000, else HOUR.
"""

from __future__ import annotations

import ast
import math
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

PERIODS = ("HOUR", "DAY", "WEEK", "MONTH", "YEAR")

DAYS_PER_MONTH = 21.75
"""劳社部发〔2008〕3号: (365 − 104) / 12 paid days a month."""
HOURS_PER_MONTH = 174.0
"""劳社部发〔2008〕3号: 21.75 days × 8 hours."""
WEEKS_PER_MONTH = 52 / 12
MONTHS_PER_YEAR = 12

_TO_MONTH: dict[str, float] = {
    "HOUR": HOURS_PER_MONTH,
    "DAY": DAYS_PER_MONTH,
    "WEEK": WEEKS_PER_MONTH,
    "MONTH": 1.0,
    "YEAR": 1.0 / MONTHS_PER_YEAR,
}

# Whole strings (after NFKC/strip/lower-casing) that mean "no salary given", not "unparseable".
SENTINELS = frozenset({"", "-1", "[]", "nan", "none", "null", "n/a", "na", "-", "--", "薪资", "salary"})


@dataclass(frozen=True)
class Salary:
    """One parsed salary. Amounts are per ``period`` in ``currency``; None bounds mean open-ended.

    ``period`` (and ``currency``) are None only for a bare "negotiable" with no amount at all.
    """

    currency: str | None
    period: str | None
    min_amount: float | None
    max_amount: float | None
    months_per_year: int = 12
    negotiable: bool = False
    monthly_min: float | None = None
    monthly_max: float | None = None


# --- regexes (compiled once) -------------------------------------------------------------------------

_LIST_LITERAL = re.compile(r"^\[\s*(['\"])(.*)\1\s*(?:,.*)?\]$", re.S)
_MONTHS = re.compile(r"[·•・.,，]?\s*(\d{1,2})\s*薪")
_NEGOTIABLE = re.compile(r"面议|面谈|保密|negotiable|\bdoe\b|depending on experience", re.I)
_PAREN_NOISE = re.compile(r"\((?:glassdoor|employer)\s*est\.?\)|employer provided salary\s*:?", re.I)

# Explicit period markers, strongest first: "/unit" > "X薪" prefix words > English phrases > "X结" cadence.
_PERIOD_RULES: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(p, re.I), period)
    for p, period in (
        (r"/\s*(?:小时|时|h|hr|hour)\b|/\s*(?:小时|时)", "HOUR"),
        (r"/\s*(?:天|日|day)", "DAY"),
        (r"/\s*(?:周|星期|week|wk)", "WEEK"),
        (r"/\s*(?:月|month|mo)", "MONTH"),
        (r"/\s*(?:年|year|yr|annum)", "YEAR"),
        (r"时薪|每小时|小时工资|per\s+hour|an\s+hour|hourly", "HOUR"),
        (r"日薪|天薪|每天|每日|per\s+day|a\s+day|daily", "DAY"),
        (r"周薪|每周|per\s+week|a\s+week|weekly", "WEEK"),
        (r"月薪|每月|底薪|per\s+month|a\s+month|monthly", "MONTH"),
        (r"年薪|每年|年收入|per\s+year|a\s+year|per\s+annum|annual(?:ly)?|p\.a\.", "YEAR"),
        (r"日结", "DAY"),
        (r"周结", "WEEK"),
    )
)

_NUM = r"(\d+(?:,\d{3})*(?:\.\d+)?)"
_UNIT = r"(k|千|w|万|元)?"
_CUR = r"(?:[$£€¥]|usd|rmb|cny|gbp|eur)?"
_AMOUNT = rf"{_CUR}\s*{_NUM}\s*{_UNIT}"
_SEP = r"\s*(?:-|~|至|到|—|–|－|to)\s*"
_RANGE = re.compile(rf"{_AMOUNT}{_SEP}{_AMOUNT}", re.I)
_SINGLE = re.compile(_AMOUNT, re.I)
# Open-ended single amounts: a marker after the amount (past a "/unit": "120元/天起", "3000元/月以上") or
# before it ("最低3000", "最高8000", "up to $30"). They set one bound; the other stays None (open), never a
# copy of the amount — "3000元以上" caps nothing, so filters on the maximum must not see 3000 as a cap.
_PER_UNIT = re.compile(r"^\s*/\s*(?:小时|时|天|日|周|星期|月|年|hour|hr|h|day|week|wk|month|mo|year|yr|annum)", re.I)
_OPEN_MIN = re.compile(r"^\s*(?:\+|以上|起|及以上|或以上|or more|and up)", re.I)
_OPEN_MAX = re.compile(r"^\s*(?:以下|以内|封顶|or less)", re.I)
_PAY_WORD = r"(?:月薪|日薪|时薪|年薪|周薪|工资|薪资|薪水|底薪)?\s*[:：]?\s*"
_MIN_BEFORE = re.compile(rf"(?:最低|不低于|不少于|至少|保底|起薪)\s*{_PAY_WORD}$", re.I)
_MAX_BEFORE = re.compile(rf"(?:最高(?:可达)?|最多|不超过|不高于|高达|可达|up\s+to)\s*{_PAY_WORD}$", re.I)
_HAS_CJK = re.compile(r"[\u4e00-\u9fff]")
_CURRENCY_RULES: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"£|\bgbp\b", re.I), "GBP"),
    (re.compile(r"€|\beur\b", re.I), "EUR"),
    (re.compile(r"\$|usd", re.I), "USD"),
    (re.compile(r"¥|元|rmb|cny|人民币", re.I), "CNY"),
)
_MULT = {"k": 1_000.0, "千": 1_000.0, "w": 10_000.0, "万": 10_000.0, "元": 1.0, "": 1.0}


def _normalise(text: str) -> str:
    """NFKC folds full-width digits/letters/punctuation (１０－１５Ｋ → 10-15K); unwraps ``['…']`` cells."""
    s = unicodedata.normalize("NFKC", text).strip()
    if s.startswith("[") and s.endswith("]"):
        m = _LIST_LITERAL.match(s)
        if m:
            try:
                items = ast.literal_eval(s)
                s = str(items[0]).strip() if items else ""
            except (ValueError, SyntaxError):
                s = m.group(2).strip()
        elif s.replace(" ", "") == "[]":
            s = ""
    return s


def _period_of(s: str) -> str | None:
    for rx, period in _PERIOD_RULES:
        if rx.search(s):
            return period
    return None


def _currency_of(s: str) -> str | None:
    for rx, cur in _CURRENCY_RULES:
        if rx.search(s):
            return cur
    return None


def _amount(num: str, unit: str | None) -> float:
    return round(float(num.replace(",", "")) * _MULT[(unit or "").lower()], 4)


def _monthly(amount: float | None, period: str, months: int) -> float | None:
    if amount is None:
        return None
    factor = _TO_MONTH[period]
    if period != "YEAR":
        factor *= months / MONTHS_PER_YEAR
    return round(amount * factor, 2)


@lru_cache(maxsize=262_144)
def parse_salary(text: str | None) -> Salary | None:
    """Parse one salary string; None for blank, sentinel (``-1``, ``[]``) or unparseable text."""
    if text is None or not isinstance(text, str):
        return None
    s = _normalise(text)
    if s.lower() in SENTINELS:
        return None
    low = s.lower()
    negotiable = bool(_NEGOTIABLE.search(low))
    months = 12
    m = _MONTHS.search(s)
    if m:
        months = int(m.group(1))
        s = s[: m.start()] + " " + s[m.end() :]
    s = _PAREN_NOISE.sub(" ", s)
    period = _period_of(s)
    currency = _currency_of(s)

    lo: float | None
    hi: float | None
    units: set[str] = set()
    rm = _RANGE.search(s)
    if rm:
        n1, u1, n2, u2 = rm.groups()
        u1, u2 = (u1 or "").lower(), (u2 or "").lower()
        # "4-6千": the low end inherits the high end's unit unless that would invert the range ("3000-8K").
        if not u1 and u2 and float(n1.replace(",", "")) <= float(n2.replace(",", "")):
            u1 = u2
        lo, hi = _amount(n1, u1), _amount(n2, u2)
        if lo > hi:
            lo, hi = hi, lo
        units = {u1, u2}
    else:
        sm = _SINGLE.search(s)
        if not sm:
            if negotiable:
                return Salary("CNY" if _HAS_CJK.search(s) else currency, None, None, None, months, True)
            return None
        val = _amount(sm.group(1), sm.group(2))
        units = {(sm.group(2) or "").lower()}
        tail = s[sm.end() :]
        per = _PER_UNIT.match(tail)
        after = tail[per.end() :] if per else tail
        head = s[: sm.start()]
        if _OPEN_MIN.match(tail) or _OPEN_MIN.match(after) or _MIN_BEFORE.search(head):
            lo, hi = val, None
        elif _OPEN_MAX.match(tail) or _OPEN_MAX.match(after) or _MAX_BEFORE.search(head):
            lo, hi = None, val
        else:
            lo = hi = val

    if currency is None:
        currency = "CNY" if (_HAS_CJK.search(s) or not re.search(r"[a-z]{2,}", low)) else None
    if currency is None:
        return None
    top = max(v for v in (lo, hi) if v is not None)
    if period is None:
        if currency == "CNY":
            if units & {"k", "千"}:
                period = "MONTH"
            elif top >= 100_000:
                period = "YEAR"
            elif top >= 1_000:
                period = "MONTH"
            else:
                return None
        else:
            period = "YEAR" if ("k" in units or top >= 1_000) else "HOUR"
    return Salary(
        currency=currency,
        period=period,
        min_amount=lo,
        max_amount=hi,
        months_per_year=months,
        negotiable=negotiable,
        monthly_min=_monthly(lo, period, months),
        monthly_max=_monthly(hi, period, months),
    )


def _amount_or_none(value: object) -> float | None:
    if value is None or isinstance(value, bool) or value == "":
        return None
    try:
        v = float(str(value).replace(",", "").strip())
    except ValueError:
        return None
    return v if math.isfinite(v) and v >= 0 else None


def salary_from_structured(
    currency: object, unit: object, min_value: object, max_value: object, text_salary: Salary | None = None
) -> Salary | None:
    """Salary from schema.org MonetaryAmount figures (``salaryCurrency``, ``unitText``, ``minValue``/``maxValue``).

    Structured figures beat the display text, which boards round or decorate; the text still supplies
    what the figures lack (the period when ``unitText`` is missing, ``N薪``, "negotiable"). A single
    figure with neither ``unitText`` nor a maximum is a bare ``baseSalary`` amount, i.e. exact (min = max).
    None when no figure parses or no period is known."""
    lo, hi = _amount_or_none(min_value), _amount_or_none(max_value)
    if lo is None and hi is None:
        return None
    period = str(unit).strip().upper() if unit else None
    if period not in PERIODS:
        period = text_salary.period if text_salary is not None and unit in (None, "") else None
    if period is None:
        return None
    if hi is None and not unit:
        hi = lo
    if lo is not None and hi is not None and lo > hi:
        lo, hi = hi, lo
    cur = str(currency).strip().upper() if currency else None
    cur = "CNY" if cur in ("RMB", "CNY", "元", "人民币") else cur
    if not cur:
        cur = text_salary.currency if text_salary is not None else None
    months = text_salary.months_per_year if text_salary is not None else 12
    return Salary(
        currency=cur,
        period=period,
        min_amount=lo,
        max_amount=hi,
        months_per_year=months,
        negotiable=text_salary.negotiable if text_salary is not None else False,
        monthly_min=_monthly(lo, period, months),
        monthly_max=_monthly(hi, period, months),
    )


def salary_to_dict(s: Salary | None) -> dict[str, Any] | None:
    """Plain dict for JSON output (None stays None)."""
    return None if s is None else dict(vars(s))  # fields are scalars: no need for asdict's deep copy


DUCKDB_STRUCT = (
    "STRUCT(currency VARCHAR, period VARCHAR, min_amount DOUBLE, max_amount DOUBLE, "
    "months_per_year INTEGER, negotiable BOOLEAN, monthly_min DOUBLE, monthly_max DOUBLE)"
)


def _udf_arrow(texts: Any) -> Any:
    """Vectorised body of the DuckDB UDF: parse each *distinct* value of the chunk once, then ``take``.

    Dictionary-encoding the chunk means repeated salary strings (the common case) cost one C-level
    gather instead of one Python call per row; NULL inputs keep NULL indices and come back NULL.
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    if isinstance(texts, pa.ChunkedArray):
        texts = texts.combine_chunks()
    enc = pc.dictionary_encode(texts)
    parsed = [salary_to_dict(parse_salary(t)) for t in enc.dictionary.to_pylist()]
    return pa.array(parsed, type=_arrow_struct()).take(enc.indices)


@lru_cache(maxsize=1)
def _arrow_struct() -> Any:
    import pyarrow as pa

    return pa.struct(
        [
            ("currency", pa.string()),
            ("period", pa.string()),
            ("min_amount", pa.float64()),
            ("max_amount", pa.float64()),
            ("months_per_year", pa.int32()),
            ("negotiable", pa.bool_()),
            ("monthly_min", pa.float64()),
            ("monthly_max", pa.float64()),
        ]
    )


def register_duckdb(con: Any, name: str = "parse_salary") -> None:
    """Register ``parse_salary(VARCHAR) -> STRUCT(...)`` on a DuckDB connection (NULL in → NULL out).

    Uses an Arrow UDF with ``null_handling='special'`` so NULL inputs reach Python and come back NULL,
    and unparseable text yields NULL instead of an error.
    """
    import duckdb
    from duckdb.sqltypes import VARCHAR

    con.create_function(
        name,
        _udf_arrow,
        [VARCHAR],
        duckdb.sqltype(DUCKDB_STRUCT),
        type="arrow",
        null_handling="special",
        side_effects=False,
    )
