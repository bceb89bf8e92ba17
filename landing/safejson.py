"""JSON from outside (partner files, API pages, JSON-LD in crawled pages) parsed with limits.

The standard library's parser recurses once per nesting level, so ``[[[[…]]]]`` 100,000 deep ends in a
``RecursionError`` (a traceback, not a reason). :func:`loads_limited` refuses such text before parsing:
a cheap pre-scan measures the bracket depth outside strings (byte-level passes at C speed and numpy
running sums, skipped when the text has too few brackets to be that deep), and a size limit bounds the
work. Refusals are :class:`JSONLimitError`, a ``ValueError``, so code that already treats invalid JSON
as a ``ValueError`` keeps working; callers that must tell hostile from merely broken (a feed quarantines
the whole file) catch :class:`JSONLimitError` first.

No real job posting nests deeper than a handful of levels; 64 leaves ample room.
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np

DEFAULT_MAX_DEPTH = 64
DEFAULT_MAX_BYTES = 64 * 1024**2
_CHUNK = 1 << 24  # structural bytes per numpy pass: bounded memory on large files
_QUOTE = ord('"')
#: every byte but the quote and the brackets, deleted by bytes.translate
_NOT_STRUCTURE = bytes(b for b in range(256) if b not in b'"[]{}')
#: +1 for an opening bracket, -1 for a closing one, 0 for the quote
_STEP = np.zeros(256, dtype=np.int8)
_STEP[[ord("["), ord("{")]] = 1
_STEP[[ord("]"), ord("}")]] = -1


class JSONLimitError(ValueError):
    """JSON refused before parsing because it exceeds a limit (hostile, not merely malformed)."""


class JSONTooDeep(JSONLimitError):
    """Nested deeper than the limit."""


class JSONTooLarge(JSONLimitError):
    """Longer than the limit."""


def json_depth(text: str | bytes) -> int:
    """The deepest nesting of arrays/objects in ``text``, counting brackets outside strings only.

    On the UTF-8 bytes (quotes, backslashes and brackets are ASCII, and no byte of a multibyte
    character is), all at C speed but the last step: escaped backslashes then escaped quotes are
    removed (pairing backslashes left to right, as a parser does), everything but quotes and brackets
    is deleted, and numpy takes the running depth over the brackets outside quotes. For invalid JSON
    the figure bounds what a parser reaches before it fails, which is what matters: the scan and the
    parser agree on every valid prefix."""
    data = text.encode("utf-8", "surrogatepass") if isinstance(text, str) else bytes(text)
    if b"\\" in data:
        data = data.replace(b"\\\\", b"").replace(b'\\"', b"")
    tokens = data.translate(None, _NOT_STRUCTURE)
    deepest = level = in_string = 0
    for start in range(0, len(tokens), _CHUNK):
        chunk = np.frombuffer(tokens, dtype=np.uint8, count=min(_CHUNK, len(tokens) - start), offset=start)
        quotes = (chunk == _QUOTE).view(np.uint8)
        inside = np.bitwise_xor.accumulate(quotes) ^ in_string  # 1 from an opening quote to its closing one
        steps = _STEP[chunk]
        steps[inside.view(bool)] = 0
        running = np.cumsum(steps, dtype=np.int64) + level
        deepest = max(deepest, int(running.max()))
        level, in_string = int(running[-1]), int(inside[-1])
    return deepest


def loads_limited(text: str | bytes, max_depth: int = DEFAULT_MAX_DEPTH,
                  max_bytes: int | None = DEFAULT_MAX_BYTES) -> Any:
    """``json.loads`` that first refuses text over ``max_bytes`` (UTF-8 size; None: no limit) or nested
    deeper than ``max_depth``, with a :class:`JSONLimitError` saying which. Invalid JSON still raises
    ``json.JSONDecodeError`` (a ``ValueError``)."""
    data = bytes(text) if isinstance(text, bytes | bytearray) else text.encode("utf-8", "surrogatepass")
    if max_bytes is not None and len(data) > max_bytes:
        raise JSONTooLarge(f"JSON of {len(data)} bytes is over {max_bytes} bytes")
    if data.count(b"[") + data.count(b"{") > max_depth:
        depth = json_depth(data)
        if depth > max_depth:
            raise JSONTooDeep(f"JSON nested deeper than {max_depth} levels ({depth}); refused as hostile")
    if not isinstance(text, str):
        text = data.decode("utf-8-sig")
    try:
        return json.loads(text)
    except RecursionError as exc:  # a limit above what the interpreter's stack allows
        raise JSONTooDeep(f"JSON nested too deep for the parser (limit {max_depth})") from exc
