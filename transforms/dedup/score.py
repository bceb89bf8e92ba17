"""Pairwise evidence and the match score: which details conflict (another branch, shift, pay beyond
rounding) and how strongly employer, title, description and details agree."""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import numpy as np
import pyarrow as pa

from transforms.dedup.blocking import NUM_PERM, minhash

SALARY_TOLERANCE = 0.015  # relative: 8万/年 vs 6600元/月 is rounding; 4400 vs 4500 is another job
GEO_CONFLICT_KM = 0.5
MAX_DAYS_APART = 90
#: fields that, when both postings state them and they differ, make two different jobs
CONFLICT_CODES = ("district", "branch", "town", "road_no", "hours", "headcount", "contact")
CODED = ("emp_core", "title_norm", *CONFLICT_CODES)


@dataclass
class Nodes:
    """Comparable fields of every posting in the matching universe, as arrays indexed by node."""

    cols: dict[str, np.ndarray]
    sig: np.ndarray  # MinHash signatures, n × NUM_PERM

    def __len__(self) -> int:
        return len(self.sig)


def _both(x: np.ndarray, a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    xa, xb = x[a], x[b]
    return xa, xb, (xa >= 0) & (xb >= 0) if xa.dtype.kind in "iu" else ~np.isnan(xa) & ~np.isnan(xb)


def _rel_diff(xa: np.ndarray, xb: np.ndarray) -> np.ndarray:
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.abs(xa - xb) / np.maximum(np.maximum(np.abs(xa), np.abs(xb)), 1e-9)


def pair_features(nodes: Nodes, a: np.ndarray, b: np.ndarray) -> dict[str, np.ndarray]:
    """Per-pair evidence: conflicts (bool) and similarities (0..1), all vectorised."""
    from rapidfuzz.distance import Indel
    from rapidfuzz.process import cpdist

    c = nodes.cols
    out: dict[str, np.ndarray] = {}
    for name in CONFLICT_CODES:
        xa, xb, known = _both(c[name + "_code"], a, b)
        out[f"{name}_known"] = known
        out[f"{name}_eq"] = known & (xa == xb)
    lat_a, lat_b, geo = _both(c["lat"], a, b)
    lon_a, lon_b = c["lon"][a], c["lon"][b]
    km = np.hypot((lat_a - lat_b) * 111.0, (lon_a - lon_b) * 111.0 * np.cos(np.radians(np.nan_to_num(lat_a))))
    out["geo_known"], out["geo_near"] = geo, geo & (km <= GEO_CONFLICT_KM)
    smin_a, smin_b, smin = _both(c["sal_min"], a, b)
    smax_a, smax_b, smax = _both(c["sal_max"], a, b)
    sal_off = (smin & (_rel_diff(smin_a, smin_b) > SALARY_TOLERANCE)) | (
        smax & (_rel_diff(smax_a, smax_b) > SALARY_TOLERANCE))
    out["sal_known"], out["sal_eq"] = smin, smin & ~sal_off
    sal_open = c["sal_open"]
    out["sal_open_vs_paid"] = (sal_open[a] & ~np.isnan(smin_b)) | (sal_open[b] & ~np.isnan(smin_a))
    shift_a, shift_b, shift = _both(c["shift"], a, b)
    out["night_off"] = shift & (shift_a != shift_b)
    day_a, day_b, days = _both(c["day"], a, b)  # -1: unknown
    out["days"] = np.where(days, np.abs(day_a - day_b), 0)
    out["emp_eq"] = c["emp_core_code"][a] == c["emp_core_code"][b]
    conflict = out["geo_known"] & ~out["geo_near"]
    for name in CONFLICT_CODES:
        conflict |= out[f"{name}_known"] & ~out[f"{name}_eq"]
    out["conflict"] = (
        conflict
        | (out["sal_known"] & ~out["sal_eq"])
        | out["night_off"]
        | (out["days"] > MAX_DAYS_APART)
    )
    # the costlier similarities only where no conflict already decided the pair
    live = np.flatnonzero(~out["conflict"])
    la, lb = a[live], b[live]
    tca, tcb = c["title_norm_code"][la], c["title_norm_code"][lb]
    title_sim = np.where((tca >= 0) & (tca == tcb), 1.0, 0.0)
    fuzzy = np.flatnonzero((tca >= 0) & (tcb >= 0) & (tca != tcb))
    if len(fuzzy):
        title = c["title_norm"]
        title_sim[fuzzy] = cpdist(title[la[fuzzy]], title[lb[fuzzy]], scorer=Indel.normalized_similarity, workers=-1)
    out["title_sim"] = np.zeros(len(a))
    out["title_sim"][live] = title_sim
    out["text_sim"] = np.zeros(len(a))
    for start in range(0, len(live), 1_000_000):  # bounded memory: pairs × NUM_PERM compares per chunk
        part = live[start:start + 1_000_000]
        out["text_sim"][part] = (nodes.sig[a[part]] == nodes.sig[b[part]]).mean(axis=1)
    return out


def load_nodes(con: duckdb.DuckDBPyConnection, features: str, stored: bool = False) -> Nodes:
    """Fetch ``features`` (ordered by node, nodes 0..n-1) into arrays; MinHash the clauses (``stored``:
    take the signature from ``text_signature`` where the pool has one).
    Fields compared only for equality arrive as 63-bit hashes (-1: not stated), computed by DuckDB."""
    codes = ", ".join(f"case when coalesce({c}, '') = '' then -1 else (hash({c}) >> 1)::bigint end as {c}_code"
                      for c in CODED)
    floats = ", ".join(f"coalesce({c}, 'NaN'::double) as {c}" for c in ("lat", "lon", "sal_min", "sal_max"))
    extra = ", text_signature" if stored else ""
    table = con.sql(f"select {codes}, {floats}, coalesce(title_norm, '') as title_norm, night, sal_open, "
                    f"coalesce(day, -1) as day, clauses{extra} from {features} order by node").to_arrow_table()
    cols = {name: table.column(name).to_numpy() for name in table.column_names
            if name not in ("clauses", "text_signature")}
    # night shift is known when stated (夜班) or when working hours are given; a posting that says
    # neither is not evidence of a day job
    cols["shift"] = np.where(cols["night"], 1.0, np.where(cols["hours_code"] >= 0, 0.0, np.nan))
    sig = minhash(table.column("clauses").combine_chunks())
    if stored:
        kept = table.column("text_signature").combine_chunks()
        has = ~np.asarray(kept.is_null().to_numpy(zero_copy_only=False))
        if has.any():
            values = kept.filter(pa.array(has)).flatten().to_numpy(zero_copy_only=False).astype(np.uint32)
            sig[has] = values.reshape(-1, NUM_PERM)
    return Nodes(cols, sig)


#: log-odds that two non-conflicting postings are one vacancy, per agreeing detail (hand-set from
#: the labelled demo sites: what duplicates share far more often than look-alike vacancies do)
WEIGHTS = {
    "sal_eq": 2.0, "headcount_eq": 1.0, "contact_eq": 0.5, "branch_eq": 0.7, "town_eq": 0.5,
    "road_no_eq": 0.7, "hours_eq": 0.3, "geo_near": 0.5, "emp_eq": 0.3,
    "sal_open_vs_paid": -2.5,  # 面议 on one copy, a figure on the other: usually another vacancy
}
BIAS = -1.0
TITLE_WEIGHT, TEXT_WEIGHT, DAYS_WEIGHT, DAYS_FREE = 2.0, 2.0, 0.08, 7


def link_scores(feats: dict[str, np.ndarray]) -> np.ndarray:
    """match_score in 0..1 per pair (0 for a conflicting pair): a logistic over the evidence."""
    logit = np.full(len(feats["conflict"]), BIAS)
    for name, weight in WEIGHTS.items():
        logit += weight * feats[name]
    logit += TITLE_WEIGHT * (feats["title_sim"] - 0.5) + TEXT_WEIGHT * (feats["text_sim"] - 0.5)
    logit -= DAYS_WEIGHT * np.maximum(feats["days"] - DAYS_FREE, 0)
    score = 1.0 / (1.0 + np.exp(-logit))
    return np.where(feats["conflict"], 0.0, score)


def _concat(first: Nodes, second: Nodes) -> Nodes:
    cols = {k: np.concatenate([first.cols[k], second.cols[k]]) for k in first.cols}
    return Nodes(cols, np.concatenate([first.sig, second.sig]))
