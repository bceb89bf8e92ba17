"""Mask personal data (phones, ID-card numbers, e-mail) in posting text before it is published.

Why: job descriptions often carry a recruiter's mobile or an applicant contact line; the public pool
must not republish them verbatim, but a hint (``138****5678``) keeps the text readable and lets a
reviewer see what was removed. One combined compiled regex with a callback does a single pass per
text, which is what makes ``mask_pii_array`` cheap enough for a million descriptions.

Guards against over-masking: every number pattern is bounded by ``(?<![\\d])``/``(?![\\d])`` so salary
figures (``8000-12000``), dates (``2026-11-20``) and 6-digit adcodes (``370811``) never match; ID cards
must carry a plausible birth date (19xx/20xx, month 01–12, day 01–31); landlines need an area code
starting with 0 followed by ``-``, a space or brackets.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

_PATTERN = re.compile(
    r"""
    (?P<email>(?<![\w.+-])[A-Za-z0-9][A-Za-z0-9._%+-]*@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,})
    | (?P<id18>(?<![0-9A-Za-z])[1-9]\d{5}(?:18|19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}[\dXx]
        (?![0-9A-Za-z]))
    | (?P<id15>(?<![0-9A-Za-z])[1-9]\d{7}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}(?![0-9A-Za-z]))
    | (?P<mobile>(?<![\d+])(?:(?:\+|00)\s?86[\s-]?|\(\+?86\)\s?)?1[3-9]\d(?:[\s-]?\d{4}){2}(?!\d))
    | (?P<landline>(?<!\d)(?:(?:\(0\d{2,3}\)\s?|0\d{2,3}[\s-])[1-9]\d{6,7}(?:-\d{1,5})?
        | 0[1-9]\d{8,10})(?!\d))
    """,
    re.X,
)
_KIND = {"email": "email", "id18": "id_card", "id15": "id_card", "mobile": "mobile", "landline": "landline"}
_NON_DIGIT = re.compile(r"\D")
# Cheap pre-filter: text without '@' and without any 7-digit run cannot contain PII as defined here.
_MAYBE = re.compile(r"@|\d[\d\s()+-]{6,}")
# Without an '@' only the number kinds can match, and every such match (10+ characters) lies inside a
# maximal run of digits, spaces, ``()+-`` and ``Xx`` (the ID check character). A character class leads
# this pattern, so ``re`` skips to candidate runs in C; the full pattern then runs on each run only
# (``search(text, pos, endpos)`` keeps the look-behind context before ``pos``, and ``endpos`` one past
# the run keeps the look-ahead's next character), which gives exactly the matches of one full pass.
_RUN = re.compile(r"[\d\s()+Xx-]{10,}")


def _mask(m: re.Match[str]) -> str:
    kind = m.lastgroup
    s = m.group()
    if kind == "email":
        local, _, domain = s.partition("@")
        return f"{local[0]}***@{domain}"
    if kind in ("id18", "id15"):
        return s[:4] + "*" * (len(s) - 8) + s[-4:]
    digits = _NON_DIGIT.sub("", s)
    if kind == "mobile":
        d = digits[-11:]
        return f"{d[:3]}****{d[-4:]}"
    # landline: keep the area code and the last two digits of the number
    area = re.match(r"\(?(0\d{2,3})", s)
    code = area.group(1) if area else ""
    number = digits[len(code) :]
    return f"{code}-{'*' * (len(number) - 2)}{number[-2:]}"


def mask_pii(text: str | None) -> str | None:
    """Replace phones, ID numbers and e-mail addresses with hinted masks; None/'' pass through."""
    if not text:
        return text
    if "@" in text:
        return _PATTERN.sub(_mask, text)
    parts: list[str] = []
    last = 0
    for run in _RUN.finditer(text):
        pos, end = run.span()
        while (m := _PATTERN.search(text, pos, end + 1)) is not None:
            parts += (text[last : m.start()], _mask(m))
            last = pos = m.end()
    if not parts:
        return text
    parts.append(text[last:])
    return "".join(parts)


def find_pii(text: str | None) -> list[str]:
    """Kinds of PII present (``mobile``, ``landline``, ``id_card``, ``email``), in first-seen order."""
    if not text:
        return []
    kinds: list[str] = []
    for m in _PATTERN.finditer(text):
        k = _KIND[m.lastgroup or ""]
        if k not in kinds:
            kinds.append(k)
    return kinds


def mask_pii_array(values: Any) -> list[str | None]:
    """Mask a ``pa.Array``/``pa.ChunkedArray``/iterable of strings; nulls stay None."""
    items: Iterable[Any] = values.to_pylist() if hasattr(values, "to_pylist") else values
    return [None if t is None else mask_pii(t) for t in items]


def mask_pii_arrow(values: Any) -> Any:
    """Mask an Arrow string array: a C++ (RE2) pre-filter finds the rows that may hold PII (an '@' or a
    run of 10+ digit-like characters, a superset of what :func:`mask_pii` masks) and only those go
    through Python — except rows whose one candidate run is a bare 11-digit mobile number, which RE2
    masks itself (exactly as :func:`mask_pii` would: no other match is possible in such a row)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    runs = pc.fill_null(pc.count_substring_regex(values, _RUN_RE2), 0)
    at = pc.fill_null(pc.match_substring_regex(values, "@"), False)  # RE2 finds a literal faster
    rows = pc.indices_nonzero(pc.or_(pc.greater(runs, 0), at))
    if len(rows) == 0:
        return values
    sub = values.take(rows)
    simple_masked = pc.replace_substring_regex(sub, _MOBILE_RE2, r"\1\2****\3\4", max_replacements=1)
    # the mask always changes the text, so "changed" is "the one run is a bare mobile number"
    simple = pc.and_(
        pc.and_(pc.equal(runs.take(rows), 1), pc.invert(at.take(rows))), pc.not_equal(simple_masked, sub)
    )
    hard = pc.indices_nonzero(pc.invert(simple))
    python = pa.array([mask_pii(t) for t in sub.take(hard).to_pylist()], pa.string())
    masked = pc.replace_with_mask(simple_masked, _row_mask(len(sub), hard), python) if len(hard) else simple_masked
    return pc.replace_with_mask(values, _row_mask(len(values), rows), masked)


def _row_mask(n: int, rows: Any) -> Any:
    import numpy as np
    import pyarrow as pa

    mask = np.zeros(n, dtype=bool)
    mask[rows.to_numpy()] = True
    return pa.array(mask)


# Python's ``\s`` (str.isspace) as an RE2 class body; ``\p{Nd}`` is Python's ``\d``.
PY_SPACE_RE2 = "".join(f"\\x{{{ord(c):x}}}" for c in map(chr, range(0x3001)) if c.isspace())
_RUN_CLASS = rf"\p{{Nd}}{PY_SPACE_RE2}()+Xx-"
_RUN_RE2 = rf"[{_RUN_CLASS}]{{10,}}"
# A maximal run that is exactly a bare mobile number: 1[3-9] + 9 ASCII digits, no run characters around it.
_MOBILE_RE2 = rf"(^|[^{_RUN_CLASS}])(1[3-9][0-9])[0-9]{{4}}([0-9]{{4}})([^{_RUN_CLASS}]|$)"
