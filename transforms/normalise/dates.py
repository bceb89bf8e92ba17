"""Posting dates as sources write them, turned into ``datetime.date``.

Boards mix absolute dates (``2026年11月18日``, RFC-822 in XML feeds, ISO in APIs, ``20220121`` in
scrapes), year-less dates (51job ``09-13发布``) and relative ones (``3天前``). Relative and year-less
forms only make sense against the crawl date, so callers pass it as ``reference``; nothing here reads
the clock, which keeps re-runs of old batches reproducible.
"""

from __future__ import annotations

import calendar
import re
import unicodedata
from datetime import date, datetime, timedelta
from email.utils import parsedate_to_datetime

# validThrough when a source gives none. Zhaopin's own endDate is createDate + 30 days, and schema.org
# JobPosting asks for validThrough so stale posts can be dropped; short-lived work expires sooner.
DEFAULT_VALID_DAYS = 30
SHORT_VALID_DAYS = 7
SHORT_LIVED_TYPES = frozenset({"TEMPORARY", "PER_DIEM"})
# Outside [MIN_YEAR, reference year + MAX_YEARS_AHEAD] a date is a sentinel (Zhaopin endDate 0001-01-03,
# "never expires" 2099-12-31), not a real posting date.
MIN_YEAR = 1990
MAX_YEARS_AHEAD = 5
# A year-less date more than this far after the reference is taken to be from the previous year.
FUTURE_TOLERANCE = timedelta(days=1)

_WORDS = {
    "刚刚": 0,
    "今天": 0,
    "今日": 0,
    "today": 0,
    "just now": 0,
    "昨天": 1,
    "昨日": 1,
    "yesterday": 1,
    "前天": 2,
}
_REL = re.compile(
    r"(\d+)\s*(秒钟?|分钟|小时|天|日|周|星期|个月|月|年|seconds?|minutes?|hours?|days?|weeks?|months?|years?)"
    r"\s*(?:前|ago)"
)
_YMD = re.compile(r"(?<!\d)(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})(?!\d)")
_COMPACT = re.compile(r"(?<!\d)(\d{4})(\d{2})(\d{2})(?!\d)")
_DMY = re.compile(r"(?<!\d)(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})(?!\d)")
_MD = re.compile(r"(?:发布于|发布|更新于|更新)?\s*(\d{1,2})\s*[-/月.]\s*(\d{1,2})\s*日?\s*(?:发布|更新)?")
_EN_FORMATS = ("%d %b %Y", "%d %B %Y", "%b %d, %Y", "%B %d, %Y", "%b %d %Y", "%B %d %Y")


def _safe(y: int, m: int, d: int) -> date | None:
    try:
        return date(y, m, d)
    except ValueError:
        return None


def _minus_months(ref: date, months: int) -> date:
    y, m = divmod(ref.year * 12 + ref.month - 1 - months, 12)
    return date(y, m + 1, min(ref.day, calendar.monthrange(y, m + 1)[1]))


def _relative(s: str, ref: date) -> date | None:
    low = s.lower()
    if low in _WORDS:
        return ref - timedelta(days=_WORDS[low])
    m = _REL.fullmatch(low)
    if not m:
        return None
    n, unit = int(m.group(1)), m.group(2)
    if unit[0] in "秒分小" or unit.startswith(("second", "minute", "hour")):
        return ref  # the reference has no time of day; hours ago is still "that day"
    if unit in ("天", "日") or unit.startswith("day"):
        return ref - timedelta(days=n)
    if unit in ("周", "星期") or unit.startswith("week"):
        return ref - timedelta(weeks=n)
    if unit in ("个月", "月") or unit.startswith("month"):
        return _minus_months(ref, n)
    return _minus_months(ref, 12 * n)


def parse_date(text: object, reference: date, dayfirst: bool = False) -> date | None:
    """Best-effort calendar date of ``text`` (None for blanks, garbage and sentinel years).

    Zoned timestamps keep the date as written (a post made 2024-01-15T23:30+08:00 is the 15th).
    ``a/b/YYYY`` is month-first unless ``a`` > 12 or ``dayfirst`` is set."""
    found = _parse(text, reference, dayfirst)
    if found is None or not MIN_YEAR <= found.year <= reference.year + MAX_YEARS_AHEAD:
        return None
    return found


def _parse(text: object, reference: date, dayfirst: bool) -> date | None:
    if isinstance(text, datetime):
        return text.date()
    if isinstance(text, date):
        return text
    if not isinstance(text, str):
        return None
    s = unicodedata.normalize("NFKC", text).strip()
    if not s:
        return None
    rel = _relative(s, reference)
    if rel is not None:
        return rel
    if "T" in s or re.fullmatch(r"\d{4}-\d{2}-\d{2}[ T]\d{1,2}:\d{2}.*", s):
        try:
            return datetime.fromisoformat(s.replace("z", "Z")).date()
        except ValueError:
            pass
    m = _YMD.search(s)
    if m:
        return _safe(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    m = _COMPACT.fullmatch(s)
    if m:
        return _safe(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    m = _DMY.search(s)
    if m:
        a, b, y = int(m.group(1)), int(m.group(2)), int(m.group(3))
        day_first = dayfirst or a > 12
        if b > 12 and not dayfirst:
            day_first = False
        return _safe(y, b, a) if day_first else _safe(y, a, b)
    if re.search(r"[A-Za-z]{3}", s):
        try:
            return parsedate_to_datetime(s).date()  # RFC-822: Mon, 15 Jan 2024 10:00:00 GMT
        except (TypeError, ValueError, IndexError):
            pass
        bare = re.sub(r"^[A-Za-z]{3,9},?\s+(?=\d)", "", s)  # "Mon, 08 Nov 2021" (Indeed expirationdate)
        for fmt in _EN_FORMATS:
            try:
                return datetime.strptime(bare, fmt).date()
            except ValueError:
                continue
        return None
    m = _MD.fullmatch(s)
    if m:
        month, day = int(m.group(1)), int(m.group(2))
        found = _safe(reference.year, month, day)
        if found is not None and found > reference + FUTURE_TOLERANCE:
            found = _safe(reference.year - 1, month, day)
        return found
    return None


def default_valid_through(date_posted: date, employment_type: object = None) -> date:
    """validThrough for postings without one: +30 days, +7 for TEMPORARY / PER_DIEM (any in a list)."""
    types = employment_type if isinstance(employment_type, list | tuple | set) else [employment_type]
    norm = {str(t).strip().upper().replace(" ", "_").replace("-", "_") for t in types if t}
    days = SHORT_VALID_DAYS if norm & SHORT_LIVED_TYPES else DEFAULT_VALID_DAYS
    return date_posted + timedelta(days=days)
