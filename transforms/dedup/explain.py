"""Why two postings are, or are not, one job: their comparison levels, the weight each level adds
(with the weights the deduplication run actually estimated) and any veto.

Why: a merge an analyst cannot explain cannot be trusted or fixed. ``jobpool explain`` prints this."""

from __future__ import annotations

import json
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa

from transforms.dedup.blocking import node_features_sql
from transforms.dedup.model import THRESHOLD, Model, log_odds, match_probability, prior
from transforms.dedup.score import COMPARISONS, LEVELS, VETOES, compare, load_nodes

Key = tuple[str, str]  # (source, source_record_id)


def latest_model(con: duckdb.DuckDBPyConnection) -> tuple[Model, str]:
    """The weights of the latest run that deduplicated (audit.match_model), else the shipped prior."""
    try:
        row = con.execute("select run_id, model from audit.match_model order by estimated_at desc limit 1").fetchone()
    except duckdb.CatalogException:
        row = None
    if row is None:
        return prior(), "prior (transforms/dedup/model.toml)"
    return Model.from_dict(json.loads(row[1])), f"run {row[0]}"


def explain_pair(con: duckdb.DuckDBPyConnection, first: Key, second: Key, model: Model | None = None,
                 relation: str = "core.posting") -> dict[str, Any]:
    """Compare two postings of ``relation`` (core.posting, or a relation of normalised postings) as a
    deduplication run would; ``model`` defaults to the latest run's weights."""
    source = "latest run"
    if model is None:
        model, source = latest_model(con)
    stored = relation == "core.posting"
    con.execute(
        f"create or replace temp table ex_rows as select (case when source = ? and source_record_id = ? "
        f"then 0 else 1 end)::bigint as node, * from {relation} "
        f"where (source = ? and source_record_id = ?) or (source = ? and source_record_id = ?)",
        [*first, *first, *second])
    found = {r[0] for r in con.execute("select node from ex_rows").fetchall()}
    for node, key in ((0, first), (1, second)):
        if node not in found:
            raise LookupError(f"no posting {key[0]}:{key[1]} in {relation}")
    con.execute(f"create or replace temp table ex_feat as {node_features_sql('ex_rows', stored=stored)}")
    nodes = load_nodes(con, "ex_feat", stored=stored)
    comps = compare(nodes, np.array([0]), np.array([1]))
    weights = model.weights()
    levels = []
    for k, name in enumerate(COMPARISONS):
        lv = int(comps.levels[0, k])
        levels.append({"comparison": name, "level": LEVELS[name][lv] if lv >= 0 else "not stated by both",
                       "weight_bits": round(float(weights[name][lv]), 2) if lv >= 0 else 0.0})
    veto = int(comps.veto[0])
    probability = float(match_probability(model, comps)[0])
    same_job = None
    if stored:
        jobs = dict(con.execute("select node, job_id from ex_rows").fetchall())
        same_job = jobs[0] == jobs[1]
    return {
        "first": f"{first[0]}:{first[1]}", "second": f"{second[0]}:{second[1]}",
        "weights_from": source, "prior_bits": round(float(np.log2(model.lam / (1 - model.lam))), 2),
        "levels": levels,
        "match_weight_bits": round(float(log_odds(model, comps.levels)[0] / np.log(2)), 2),
        "veto": VETOES[veto] if veto >= 0 else None,
        "match_probability": round(probability, 4), "threshold": THRESHOLD,
        "would_link": veto < 0 and probability >= THRESHOLD,
        "same_job": same_job,
    }


def format_explanation(ex: dict[str, Any]) -> str:
    """The explanation as a few lines of text."""
    lines = [f"{ex['first']}  vs  {ex['second']}   (weights: {ex['weights_from']})",
             f"  {'prior (λ)':<16} {ex['prior_bits']:+7.2f} bits"]
    for lv in ex["levels"]:
        lines.append(f"  {lv['comparison']:<16} {lv['weight_bits']:+7.2f}  {lv['level']}")
    lines.append(f"  {'match weight':<16} {ex['match_weight_bits']:+7.2f} bits → probability "
                 f"{ex['match_probability']:.4f} (threshold {ex['threshold']})")
    if ex["veto"]:
        lines.append(f"  VETO: {ex['veto']} differs, so two vacancies whatever the evidence")
    verdict = "one job" if ex["would_link"] else "not linked directly"
    lines.append(f"  pair: {verdict}" + ("" if ex["same_job"] is None else
                                         f"; in the warehouse: {'the same job' if ex['same_job'] else 'two jobs'}"
                                         + (" (joined through other copies)" if ex["same_job"] and not ex["would_link"]
                                            else "")))
    return "\n".join(lines)


def diagnose_pairs(con: duckdb.DuckDBPyConnection, pairs: list[tuple[str, Key, Key]],
                   model: Model | None = None) -> dict[str, Any]:
    """Where each of many labelled pairs (label, first, second) of core.posting stands, in aggregate:
    never compared (no shared block key, or too far apart in a big sorted block), vetoed (which veto),
    scored below the threshold, linked but kept apart by clustering, or one job; and, per label and
    outcome, how often each comparison level occurs.

    Why aggregate: a reviewer's sample of pairs the pipeline split (or joined) is read as "which rule
    costs these pairs", not pair by pair. Blocking is recomputed over the whole pool as one run would
    block it, so this reads every posting's stored match fields (seconds for a city's pool)."""
    from transforms.dedup.blocking import CITY_PAIR_RULE, _text_keys, block_keys_sql

    if model is None:
        model, _ = latest_model(con)
    con.execute("create or replace temp table dg_rows as select (row_number() over (order by source, "
                "source_record_id) - 1)::bigint as node, * from core.posting")
    con.execute(f"create or replace temp table dg_feat as {node_features_sql('dg_rows', stored=True)}")
    ids = {(s, r): int(n) for n, s, r in con.execute("select node, source, source_record_id from dg_rows").fetchall()}
    missing = [k for _, x, y in pairs for k in (x, y) if k not in ids]
    if missing:
        raise LookupError(f"{len(missing)} postings not in core.posting, e.g. {missing[0][0]}:{missing[0][1]}")
    nodes = load_nodes(con, "dg_feat", stored=True)
    a = np.array([ids[x] for _, x, _ in pairs], dtype=np.int64)
    b = np.array([ids[y] for _, _, y in pairs], dtype=np.int64)
    con.register("dg_text", _text_keys(nodes.sig))
    con.execute(f"create or replace temp table dg_keys as {block_keys_sql('dg_feat', 'dg_text')}")
    con.register("dg_pairs", pa.table({"i": np.arange(len(pairs)), "a": a, "b": b}))
    shared = con.execute(f"""
        select p.i, min(abs(a.bucket - b.bucket)) as gap from dg_pairs p
        join dg_keys a on a.node = p.a join dg_keys b on b.node = p.b and b.key = a.key
        where {CITY_PAIR_RULE} group by p.i
    """).fetchnumpy()
    gap = np.full(len(pairs), -1)
    gap[shared["i"].astype(np.int64)] = shared["gap"]
    comps = compare(nodes, a, b)
    probability = match_probability(model, comps)
    job = con.sql("select job_id from dg_rows order by node").fetchnumpy()["job_id"]
    same_job = job[a] == job[b]
    outcome = np.where(gap < 0, "no shared block key", np.where(gap > 1, "shared key, buckets apart", ""))
    outcome = np.where(outcome != "", outcome, np.where(
        comps.veto >= 0, np.array(["veto: " + v for v in VETOES])[np.maximum(comps.veto, 0)],
        np.where(probability < THRESHOLD, "below threshold", "linked, clustered apart")))
    direct = (comps.veto < 0) & (probability >= THRESHOLD) & (gap >= 0) & (gap <= 1)
    outcome = np.where(same_job, np.where(direct, "one job, linked directly", "one job, through other copies"),
                       outcome)
    report: dict[str, Any] = {}
    labels = np.array([label for label, _, _ in pairs])
    for label in sorted(set(labels.tolist())):
        mine = labels == label
        by_outcome: dict[str, Any] = {}
        for name in sorted(set(outcome[mine].tolist())):
            sel = mine & (outcome == name)
            by_outcome[name] = {"pairs": int(sel.sum()), "levels": {
                comp: {(LEVELS[comp][lv] if lv >= 0 else "not stated"): int(n)
                       for lv, n in zip(*np.unique(comps.levels[sel, k], return_counts=True), strict=True)}
                for k, comp in enumerate(COMPARISONS)}}
        report[label] = {"pairs": int(mine.sum()), "outcomes": by_outcome}
    con.unregister("dg_text")
    con.unregister("dg_pairs")
    return report


def format_diagnosis(report: dict[str, Any], levels: bool = True) -> str:
    """The diagnosis as text: per label, pairs per outcome, then (``levels``) each comparison's levels."""
    lines = []
    for label, entry in report.items():
        lines.append(f"{label}: {entry['pairs']} pairs")
        for name, out in sorted(entry["outcomes"].items(), key=lambda kv: -kv[1]["pairs"]):
            lines.append(f"  {out['pairs']:>6}  {name}")
            if levels:
                for comp, counts in out["levels"].items():
                    shown = ", ".join(f"{lv} {n}" for lv, n in sorted(counts.items(), key=lambda kv: -kv[1]))
                    lines.append(f"            {comp:<16} {shown}")
    return "\n".join(lines)
