"""Assertions on the HTML the circle renders."""

from __future__ import annotations

import re


def assert_self_contained(text: str) -> None:
    """Nothing in the page is fetched: no URL but the SVG namespace, no external script, link, image, frame,
    import or network call from the inline script."""
    refs = re.findall(r"https?://[^\s\"'<>]+", text)
    assert refs == ["http://www.w3.org/2000/svg"] * len(refs), refs  # the SVG namespace is a name, not a fetch
    assert not re.search(r"<script[^>]*\bsrc\s*=", text, re.I), "external script"
    for tag in ("<link", "<img", "<iframe", "<object", "<embed", "@import", "url("):
        assert tag not in text, tag
    for call in ("fetch(", "XMLHttpRequest", "WebSocket", "EventSource", "import(", "sendBeacon"):
        assert call not in text, call
