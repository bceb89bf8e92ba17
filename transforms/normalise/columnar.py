"""Helpers for applying per-value Python functions to Arrow columns once per distinct value.

Postings repeat themselves: a million records carry a few hundred titles, a few thousand salary
strings and dates. Dictionary-encoding a column (C++) and calling the parser on the dictionary only,
then gathering the results back with ``take``, turns a per-row Python loop into a per-distinct one.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc


def _array(values: pa.Array | pa.ChunkedArray) -> pa.Array:
    return values.combine_chunks() if isinstance(values, pa.ChunkedArray) else values


def encode(values: pa.Array | pa.ChunkedArray) -> tuple[np.ndarray, list[Any]]:
    """(index of each row's value, distinct values); null is a value of its own (None)."""
    enc = pc.dictionary_encode(_array(values), null_encoding="encode")
    return enc.indices.to_numpy(zero_copy_only=False).astype(np.int64), enc.dictionary.to_pylist()


def encode_codes(*codes: tuple[np.ndarray, int]) -> tuple[np.ndarray, np.ndarray]:
    """Combine per-column integer codes (code array, number of codes) into one key per row.

    Returns (first row of each distinct combination, index of each row's combination)."""
    key = np.zeros(len(codes[0][0]), dtype=np.int64)
    for idx, size in codes:
        key = key * max(size, 1) + idx
    _, first, inverse = np.unique(key, return_index=True, return_inverse=True)
    return first, inverse.reshape(-1)


def encode_many(*columns: pa.Array | pa.ChunkedArray) -> tuple[np.ndarray, list[tuple[Any, ...]]]:
    """(index per row, distinct value tuples) over several aligned columns."""
    encoded = [encode(c) for c in columns]
    first, inverse = encode_codes(*((idx, len(values)) for idx, values in encoded))
    tuples = [tuple(values[idx[f]] for idx, values in encoded) for f in first]
    return inverse, tuples


def gather(results: Sequence[Any], index: np.ndarray, type_: pa.DataType) -> pa.Array:
    """Arrow array with ``results[index[i]]`` in row i."""
    return pa.array(results, type=type_).take(pa.array(index))


def map_distinct(values: pa.Array | pa.ChunkedArray, fn: Callable[[Any], Any], type_: pa.DataType) -> pa.Array:
    """``fn`` applied once per distinct value (None included), results gathered back per row."""
    index, distinct = encode(values)
    return gather([fn(v) for v in distinct], index, type_)
