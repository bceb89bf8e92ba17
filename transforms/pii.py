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
    if not text or not _MAYBE.search(text):
        return text
    return _PATTERN.sub(_mask, text)


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
    maybe = _MAYBE.search
    sub = _PATTERN.sub
    return [t if (t is None or not maybe(t)) else sub(_mask, t) for t in items]
