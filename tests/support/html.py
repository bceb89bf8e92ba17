"""Assertions on the HTML the circle renders."""

from __future__ import annotations

import re


def assert_self_contained(text: str) -> None:
    """Nothing in the page is fetched: no URL but the SVG namespace, no script, link, image or import."""
    refs = re.findall(r"https?://[^\s\"'<>]+", text)
    assert refs == ["http://www.w3.org/2000/svg"] * len(refs), refs  # the SVG namespace is a name, not a fetch
    assert "<script" not in text and "<link" not in text and "<img" not in text and "@import" not in text
    assert "url(" not in text
