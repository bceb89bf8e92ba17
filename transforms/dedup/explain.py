"""Why two postings are, or are not, one job: their comparison levels, the weight each level adds
(with the weights the deduplication run actually estimated) and any veto.

Why: a merge an analyst cannot explain cannot be trusted or fixed. ``jobpool explain`` prints this."""

from __future__ import annotations

import json
from typing import Any

import duckdb
import numpy as np

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
