"""How good a clustering is against labelled truth (pairwise and B³ precision/recall/F1), and the
baselines the matcher is compared with (exact hash, TF-IDF cosine)."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np


@dataclass(frozen=True)
class Quality:
    """Pairwise precision/recall/F1 (over all pairs put in one job) and B-cubed F1 (per posting)."""

    precision: float
    recall: float
    f1: float
    bcubed_precision: float
    bcubed_recall: float
    bcubed_f1: float
    postings: int
    true_pairs: int
    predicted_pairs: int

    def as_dict(self) -> dict[str, float | int]:
        return {k: (round(v, 4) if isinstance(v, float) else v) for k, v in self.__dict__.items()}


def _f1(p: float, r: float) -> float:
    return 2 * p * r / (p + r) if p + r else 0.0


def quality(predicted: Sequence[Any], truth: Sequence[Any]) -> Quality:
    """Compare predicted job ids with true vacancy ids, posting by posting (same order)."""
    pred = np.unique(np.asarray(predicted, dtype=str), return_inverse=True)[1]
    true = np.unique(np.asarray(truth, dtype=str), return_inverse=True)[1]
    cell = pred.astype(np.int64) * (true.max() + 1 if len(true) else 1) + true
    _, cell_inv, cell_n = np.unique(cell, return_inverse=True, return_counts=True)
    pred_n = np.bincount(pred)
    true_n = np.bincount(true)
    pairs = lambda k: int((k * (k - 1) // 2).sum())  # noqa: E731
    tp, pp, tt = pairs(cell_n), pairs(pred_n), pairs(true_n)
    precision = tp / pp if pp else 1.0
    recall = tp / tt if tt else 1.0
    overlap = cell_n[cell_inv]
    bp = float(np.mean(overlap / pred_n[pred])) if len(pred) else 1.0
    br = float(np.mean(overlap / true_n[true])) if len(true) else 1.0
    return Quality(precision, recall, _f1(precision, recall), bp, br, _f1(bp, br), len(pred), tt, pp)


def exact_hash_groups(titles: Sequence[str | None], employers: Sequence[str | None],
                      descriptions: Sequence[str | None]) -> list[str]:
    """Baseline 1: postings with byte-identical title, employer and description are one job."""
    return [hashlib.md5(f"{t}\x1f{e}\x1f{d}".encode()).hexdigest()
            for t, e, d in zip(titles, employers, descriptions, strict=True)]


def tfidf_cosine_groups(descriptions: Sequence[str | None], threshold: float = 0.75) -> np.ndarray:
    """Baseline 2 (JobFunnel's rule): TF-IDF cosine of descriptions ≥ ``threshold`` → same job,
    then connected components. Chinese has no spaces, so terms are character uni- and bigrams
    (sklearn's word tokenizer would see whole sentences); IDF smoothed as sklearn does. All pairs:
    quadratic, fine for a demo site, not for a pool."""
    from scipy.sparse import csr_matrix
    from scipy.sparse.csgraph import connected_components

    vocab: dict[str, int] = {}
    rows: list[int] = []
    cols: list[int] = []
    for i, text in enumerate(descriptions):
        text = text or ""
        for term in [*text, *(text[j:j + 2] for j in range(len(text) - 1))]:
            rows.append(i)
            cols.append(vocab.setdefault(term, len(vocab)))
    n = len(descriptions)
    tf = csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(n, max(len(vocab), 1)))
    tf.sum_duplicates()
    df = np.bincount(tf.indices, minlength=tf.shape[1])
    idf = np.log((1 + n) / (1 + df)) + 1.0
    x = tf.multiply(idf).tocsr()
    norms = np.sqrt(np.asarray(x.multiply(x).sum(axis=1)).ravel())
    norms[norms == 0] = 1.0
    x = csr_matrix(x.multiply(1.0 / norms[:, None]))
    sim = (x @ x.T).tocoo()
    keep = (sim.data >= threshold) & (sim.row < sim.col)
    graph = csr_matrix((np.ones(int(keep.sum())), (sim.row[keep], sim.col[keep])), shape=(n, n))
    return connected_components(graph, directed=False)[1]
