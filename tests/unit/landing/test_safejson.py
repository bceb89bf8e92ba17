"""Hostile JSON: nesting deep enough to blow the standard library's recursive parser is refused with a
clear error before parsing (landing.safejson), and a feed file carrying it is quarantined whole."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from landing.contract import read_manifest
from landing.paths import Paths
from tests.support.paths import mapping_file

MAPPING = mapping_file("greenhouse_json.toml")
DEEP = 100_000
LIMIT = 64  # landing.safejson.DEFAULT_MAX_DEPTH


def test_ordinary_json_parses_as_json_loads_does() -> None:
    from landing.safejson import json_depth, loads_limited

    text = '{"jobs": [{"title": "收银员", "tags": ["日结", {"a": [1, 2.5, null, true]}]}], "n": "[[{{"}'
    assert loads_limited(text) == json.loads(text)
    assert loads_limited(text.encode("utf-8")) == json.loads(text)
    assert json_depth(text) == 6


def test_depth_at_the_limit_passes_one_more_is_refused() -> None:
    from landing.safejson import DEFAULT_MAX_DEPTH, JSONTooDeep, json_depth, loads_limited

    ok = "[" * DEFAULT_MAX_DEPTH + "]" * DEFAULT_MAX_DEPTH
    assert json_depth(ok) == DEFAULT_MAX_DEPTH
    loads_limited(ok)
    deeper = "{\"a\": " * DEFAULT_MAX_DEPTH + "[]" + "}" * DEFAULT_MAX_DEPTH
    with pytest.raises(JSONTooDeep, match=f"nested deeper than {DEFAULT_MAX_DEPTH}"):
        loads_limited(deeper)


def test_brackets_inside_strings_do_not_count() -> None:
    from landing.safejson import json_depth, loads_limited

    text = json.dumps({"a": "[" * 5000, "b": '\\"[[[[' + "{" * 500, "c": ['"]]]"']})
    assert json_depth(text) == 2
    assert loads_limited(text) == json.loads(text)


def test_a_hundred_thousand_deep_array_is_refused_quickly() -> None:
    from landing.safejson import JSONTooDeep, loads_limited

    started = time.monotonic()
    for text in ("[" * DEEP + "]" * DEEP, "[" * DEEP, '{"a":' * DEEP):
        with pytest.raises(JSONTooDeep) as info:
            loads_limited(text)
        assert isinstance(info.value, ValueError)  # callers that catch ValueError for bad JSON still do
    assert time.monotonic() - started < 2


def test_size_limit() -> None:
    from landing.safejson import JSONLimitError, JSONTooDeep, JSONTooLarge, loads_limited

    with pytest.raises(JSONTooLarge, match="over 10 bytes"):
        loads_limited('["0123456789"]', max_bytes=10)
    with pytest.raises(JSONTooLarge):
        loads_limited('["收银员收银员"]', max_bytes=14)  # 6 chars, 18 bytes of UTF-8 inside
    assert issubclass(JSONTooLarge, JSONLimitError) and issubclass(JSONTooDeep, JSONLimitError)


def test_invalid_json_is_still_a_plain_value_error() -> None:
    from landing.safejson import JSONLimitError, loads_limited

    with pytest.raises(ValueError) as info:
        loads_limited('{"a": [1, 2')
    assert not isinstance(info.value, JSONLimitError)


@pytest.mark.parametrize(("name", "body"), [
    ("deep.json", "[" * DEEP + "]" * DEEP),
    ("deep_inside.json", '{"jobs": [{"title": "x", "content": ' + "[" * DEEP + "]" * DEEP + "}]}"),
    ("deep.jsonl", '{"title": "收银员", "id": 1}\n' + "[" * DEEP + "]" * DEEP + "\n"),
])
def test_deep_feed_files_are_quarantined_with_a_reason(home: Paths, tmp_path: Path, name: str, body: str) -> None:
    from feeds.ingest import ingest_file

    path = tmp_path / name
    path.write_text(body, encoding="utf-8")
    fmt = name.rsplit(".", 1)[1]
    result = ingest_file(path, "partner", fmt, MAPPING)
    assert result.status == "quarantined", result
    assert result.reason.startswith(name) and f"nested deeper than {LIMIT}" in result.reason
    assert Path(result.quarantined_to).exists()
    note = json.loads(Path(result.quarantined_to + ".reason.json").read_text(encoding="utf-8"))
    assert "nested deeper" in note["reason"]
    assert read_manifest(home) == []
