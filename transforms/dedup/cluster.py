"""Scored pairs → jobs: strongest edges first, in a fixed order; a veto (another store, site or
shift, stated anywhere in either cluster) stops a join, and a posting pulled equally into two
incompatible jobs joins neither. Two existing jobs may become one when a new copy bridges them and
none of their copies vetoes it (run.py retires the younger id)."""

from __future__ import annotations

from typing import Any

import numpy as np

from transforms.dedup.model import THRESHOLD
from transforms.dedup.score import (
    GEO_CONFLICT_KM,
    SALARY_TOLERANCE,
    SHIFT_VETO_HOURS,
    VETO_CODES,
    Nodes,
    pay_apart,
    pay_veto,
)

AMBIGUITY_MARGIN = 0.05  # a posting as strongly matched into two incompatible clusters joins neither


class _Clusters:
    """Union-find whose roots carry the cluster's known veto attributes: one value per code (a
    consistent cluster states one branch, town, street number, district, shift), and every stated
    pay, working hours and coordinates, which vary a little between copies and are compared copy by
    copy with the rules of the pairwise vetoes (score.compare)."""

    def __init__(self, nodes: Nodes, members: np.ndarray) -> None:
        c = nodes.cols
        self.parent = {int(m): int(m) for m in members}
        self.attrs: dict[int, dict[str, Any]] = {}
        codes = {name: c[name + "_code"] for name in VETO_CODES}
        for m in members:
            m = int(m)
            a: dict[str, Any] = {name: int(codes[name][m]) for name in VETO_CODES if codes[name][m] >= 0}
            if not np.isnan(c["shift"][m]):
                a["night"] = bool(c["shift"][m])
            lo, hi = float(c["sal_min"][m]), float(c["sal_max"][m])
            a["pay"] = [(int(c["day"][m]), lo, hi, int(c["sal_period_code"][m]))] \
                if not (np.isnan(lo) and np.isnan(hi)) else []
            start, stop = float(c["hours_start"][m]), float(c["hours_end"][m])
            a["hours"] = [(start, stop)] if not (np.isnan(start) and np.isnan(stop)) else []
            a["geo"] = [(float(c["lat"][m]), float(c["lon"][m]))] if not np.isnan(c["lat"][m]) else []
            self.attrs[m] = a

    def find(self, x: int) -> int:
        root = x
        while self.parent[root] != root:
            root = self.parent[root]
        while self.parent[x] != root:
            self.parent[x], x = root, self.parent[x]
        return root

    @staticmethod
    def _pay_conflict(xs: list[tuple[int, float, float, int]], ys: list[tuple[int, float, float, int]]) -> bool:
        """Any copy of one cluster and any of the other state pay that makes them two offers (the
        pairwise rule, score.pay_veto)."""
        if not xs or not ys:
            return False
        x = [np.array(v).repeat(len(ys)) for v in zip(*xs, strict=True)]
        y = [np.tile(np.array(v), len(xs)) for v in zip(*ys, strict=True)]
        diff, _ = pay_apart(x[1].astype(float), x[2].astype(float), y[1].astype(float), y[2].astype(float))
        other_unit = (x[3] >= 0) & (y[3] >= 0) & (x[3] != y[3])
        same_week = (x[0] >= 0) & (y[0] >= 0) & (np.abs(x[0] - y[0]) <= 7)
        return bool(pay_veto(diff, other_unit, same_week).any())

    @staticmethod
    def _hours_conflict(x: tuple[float, float], y: tuple[float, float]) -> bool:
        for p, q in zip(x, y, strict=True):
            if not (np.isnan(p) or np.isnan(q)) and min(abs(p - q), 24 - abs(p - q)) >= SHIFT_VETO_HOURS:
                return True
        return False

    @staticmethod
    def _geo_conflict(x: tuple[float, float], y: tuple[float, float]) -> bool:
        return bool(np.hypot((x[0] - y[0]) * 111.0, (x[1] - y[1]) * 111.0 * np.cos(np.radians(x[0])))
                    > GEO_CONFLICT_KM)

    @classmethod
    def _compatible(cls, a: dict[str, Any], b: dict[str, Any]) -> bool:
        for key, va in a.items():
            vb = b.get(key)
            if key == "pay":
                if cls._pay_conflict(va, vb):
                    return False
            elif key in ("hours", "geo"):
                conflict = cls._hours_conflict if key == "hours" else cls._geo_conflict
                if any(conflict(x, y) for x in va for y in vb):
                    return False
            elif vb is not None and va != vb:
                return False
        return True

    def union(self, x: int, y: int, force: bool = False) -> bool:
        """Join the clusters of x and y unless a veto attribute conflicts (``force``: join anyway,
        for the copies of one existing job, which stay one job whatever the current rules say)."""
        rx, ry = self.find(x), self.find(y)
        if rx == ry:
            return True
        ax, ay = self.attrs[rx], self.attrs[ry]
        if not force and not self._compatible(ax, ay):
            return False
        if ry < rx:
            rx, ry, ax, ay = ry, rx, ay, ax
        self.parent[ry] = rx
        for key, value in ay.items():
            if key in ("pay", "hours", "geo"):
                ax[key] = ax[key] + value
            else:
                ax.setdefault(key, value)
        del self.attrs[ry]
        return True


def _best_per_node(ends: np.ndarray, values: np.ndarray, n: int) -> np.ndarray:
    """Per node the largest of ``values`` over the edges it ends (nan: none)."""
    out = np.full(n, np.nan)
    if len(ends):
        order = np.lexsort((-values, ends))
        sorted_ends = ends[order]
        first = np.r_[True, sorted_ends[1:] != sorted_ends[:-1]]
        out[sorted_ends[first]] = values[order][first]
    return out


def _detach_ambiguous(root: np.ndarray, a: np.ndarray, b: np.ndarray, score: np.ndarray,
                      job: np.ndarray, nodes: Nodes) -> np.ndarray:
    """A new posting matched strongly into its cluster *and* into another cluster it could not join
    (their details conflict) is ambiguous: which of the two vacancies it copies is not in the posting.
    Unless its own cluster wins by ``AMBIGUITY_MARGIN`` in match score, it becomes a job of its own
    rather than a guess. Existing postings never move."""
    n = len(root)
    same = root[a] == root[b]
    ends_in, ends_out = np.concatenate([a[same], b[same]]), np.concatenate([a[~same], b[~same]])
    best_in = _best_per_node(ends_in, np.concatenate([score[same], score[same]]), n)
    best_out = _best_per_node(ends_out, np.concatenate([score[~same], score[~same]]), n)
    vague = (nodes.cols["branch_code"] < 0) & (nodes.cols["road_no_code"] < 0)
    ambiguous = ~np.isnan(best_in) & ~np.isnan(best_out) & (best_in - best_out < AMBIGUITY_MARGIN) & (job < 0)
    ambiguous &= vague
    if not ambiguous.any():
        return root
    label = np.where(ambiguous, n + np.arange(n), root)  # detached: a cluster of its own
    _, inverse = np.unique(label, return_inverse=True)
    smallest = np.full(inverse.max() + 1, n, dtype=np.int64)
    np.minimum.at(smallest, inverse, np.arange(n))
    return smallest[inverse]  # a cluster's root is its smallest node (its earliest posting)


def cluster(nodes: Nodes, a: np.ndarray, b: np.ndarray, score: np.ndarray,
            job: np.ndarray, threshold: float = THRESHOLD,
            joined: tuple[np.ndarray, np.ndarray] | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Cluster root per node, and per node the score of its best edge inside its cluster (nan: alone).
    ``job``: per node the code of the existing job it belongs to (-1: none); ``joined``: edges between
    the copies of each existing job, joined first and unconditionally.

    Edges at or above ``threshold`` are taken strongest first. Connected components that are already
    consistent (no two known values of a veto attribute differ) are accepted as they are, vectorised;
    only the others run the constrained union-find in Python."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    n = len(nodes)
    keep = score >= threshold
    a, b, score = a[keep], b[keep], score[keep]
    ja, jb = joined if joined is not None else (np.zeros(0, np.int64), np.zeros(0, np.int64))
    # strongest first; equal scores by node (pairs arrive from SQL in no fixed order, and which of two
    # equally strong edges is taken first decides a conflict: the same input must give the same jobs)
    order = np.lexsort((b, a, -score))
    a, b, score = a[order], b[order], score[order]
    graph = coo_matrix((np.ones(len(a) + len(ja), dtype=np.int8), (np.r_[ja, a], np.r_[jb, b])), shape=(n, n))
    _, comp = connected_components(graph, directed=False)
    consistent = np.ones(comp.max() + 1 if n else 0, dtype=bool)
    order = np.argsort(comp, kind="stable")
    sorted_comp = comp[order]
    starts = np.flatnonzero(np.r_[True, sorted_comp[1:] != sorted_comp[:-1]]) if n else np.zeros(0, np.int64)

    def minmax(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Min and max of the known (non-nan) values per component; nan where it knows none."""
        lo, hi = np.full(len(consistent), np.nan), np.full(len(consistent), np.nan)
        if len(starts):
            v = values[order].astype(np.float64)
            with np.errstate(invalid="ignore"):
                lo[sorted_comp[starts]] = np.fmin.reduceat(v, starts)
                hi[sorted_comp[starts]] = np.fmax.reduceat(v, starts)
        return lo, hi

    c = nodes.cols
    for codes in (c[name + "_code"] for name in VETO_CODES):
        lo, hi = minmax(np.where(codes >= 0, codes, np.nan))
        consistent &= ~(hi > lo)
    lo, hi = minmax(c["shift"])
    consistent &= ~(hi > lo)
    # a spread of hours this small is never another shift; bigger ones are checked exactly
    for end in ("hours_start", "hours_end"):
        lo, hi = minmax(c[end])
        consistent &= ~((hi - lo) >= SHIFT_VETO_HOURS)
    for name in ("sal_min", "sal_max"):
        lo, hi = minmax(c[name])
        consistent &= ~((hi - lo) > SALARY_TOLERANCE * hi)  # beyond rounding: checked copy by copy
    for name in ("lat", "lon"):  # a spread this small can never be a conflict; bigger ones are checked exactly
        lo, hi = minmax(c[name])
        consistent &= ~((hi - lo) * 111.0 > GEO_CONFLICT_KM / 2)
    first = np.full(comp.max() + 1 if n else 0, n, dtype=np.int64)
    if len(starts):
        first[sorted_comp[starts]] = np.minimum.reduceat(order, starts)  # smallest node of each component
    root = first[comp]
    slow = ~consistent[comp[a]]
    if slow.any():
        members = np.flatnonzero(~consistent[comp])
        uf = _Clusters(nodes, members)
        forced = ~consistent[comp[ja]]
        for x, y in zip(ja[forced].tolist(), jb[forced].tolist(), strict=True):
            uf.union(x, y, force=True)
        for x, y in zip(a[slow].tolist(), b[slow].tolist(), strict=True):
            uf.union(x, y)
        root[members] = [uf.find(m) for m in members.tolist()]
    if AMBIGUITY_MARGIN > 0:
        root = _detach_ambiguous(root, a, b, score, job, nodes)
    same = root[a] == root[b]
    best = np.full(n, np.nan)
    ends = np.concatenate([a[same], b[same]])
    if len(ends):  # per node, its strongest edge inside its cluster
        both = np.concatenate([score[same], score[same]])
        by_node = np.lexsort((-both, ends))
        nodes_sorted = ends[by_node]
        keep = np.r_[True, nodes_sorted[1:] != nodes_sorted[:-1]]
        best[nodes_sorted[keep]] = both[by_node][keep]
    return root, best


def _same_job_edges(job: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Edges from each node to the first node of its job (a star per job)."""
    if not len(job):
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    order = np.argsort(job, kind="stable")
    sorted_job = job[order]
    first = np.r_[True, sorted_job[1:] != sorted_job[:-1]]
    head = order[np.flatnonzero(first)[np.cumsum(first) - 1]]
    keep = ~first
    return head[keep], order[keep]
