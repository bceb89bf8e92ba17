"""Fellegi–Sunter weights, estimated from the data of each run by expectation–maximisation.

Why: hand-set weights encode what duplicates looked like in the data they were set on. In the
Fellegi–Sunter model each comparison level has an m probability (how often a true duplicate pair shows
it) and a u probability (how often a pair of different vacancies does); the evidence of a level is
log2(m/u). Neither needs labels: EM over the run's candidate pairs estimates both, plus λ, the share
of candidate pairs that are duplicates (Splink's ``estimate_parameters_using_expectation_maximisation``
is the same algorithm; why we run it in numpy is in docs/dedup.md).

A run with few pairs cannot estimate much, so the estimate is a maximum a posteriori one: the priors in
``transforms/dedup/model.toml`` count as ``PRIOR_PAIRS`` pseudo-pairs. A big run is decided by its own
data; a batch of ten postings by the prior. Same pairs in → same weights out (fixed iterations, a
deterministic sample), so a rerun gives the same jobs."""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from transforms.dedup.score import COMPARISONS, LEVELS, Comparisons

MODEL_PRIOR = Path(__file__).with_name("model.toml")
PRIOR_PAIRS = 200.0  # weight of the prior, in pairs
#: store-level comparisons: every role one employer posts at one time agrees on them (its name, store,
#: contact and hours, the week), so EM estimating them with the rest takes "same employer, same week"
#: for "same vacancy" and merges a store's roles. They keep the prior while EM runs on the others,
#: then are estimated once from the posterior that the vacancy-level evidence gives (docs/dedup.md)
FROM_PRIOR = ("employer", "place", "details", "days_apart")
EM_ITERATIONS = 25
EM_SAMPLE = 400_000  # pairs used for estimation (every k-th in a fixed order): the weights converge well before
THRESHOLD = float(os.environ.get("JOBPOOL_MATCH_THRESHOLD", "0.9"))  # match probability to join a cluster


@dataclass
class Model:
    """λ and per comparison the m and u probability of each level (levels as in score.LEVELS)."""

    lam: float
    m: dict[str, np.ndarray]
    u: dict[str, np.ndarray]
    pairs: int = 0  # pairs the estimate saw (0: the prior as shipped)
    iterations: int = 0

    def weights(self) -> dict[str, np.ndarray]:
        """log2 Bayes factor per level: the evidence a level adds to the match weight."""
        return {name: np.log2(self.m[name] / self.u[name]) for name in COMPARISONS}

    def as_dict(self) -> dict[str, Any]:
        return {
            "lambda": self.lam, "pairs": self.pairs, "iterations": self.iterations,
            "comparisons": {
                name: [{"level": label, "m": round(float(m), 6), "u": round(float(u), 6),
                        "weight": round(float(np.log2(m / u)), 3)}
                       for label, m, u in zip(LEVELS[name], self.m[name], self.u[name], strict=True)]
                for name in COMPARISONS},
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Model:
        comps = data["comparisons"]
        return cls(float(data["lambda"]),
                   {k: np.array([lv["m"] for lv in comps[k]], dtype=float) for k in COMPARISONS},
                   {k: np.array([lv["u"] for lv in comps[k]], dtype=float) for k in COMPARISONS},
                   int(data.get("pairs", 0)), int(data.get("iterations", 0)))


def prior(path: Path = MODEL_PRIOR) -> Model:
    """The shipped prior (model.toml): per comparison the m and u of each level, and λ."""
    with open(path, "rb") as fh:
        raw = tomllib.load(fh)
    m, u = {}, {}
    for name in COMPARISONS:
        entry = raw["comparisons"][name]
        m[name] = _normalised(np.array(entry["m"], dtype=float))
        u[name] = _normalised(np.array(entry["u"], dtype=float))
        if len(m[name]) != len(LEVELS[name]) or len(u[name]) != len(LEVELS[name]):
            raise ValueError(f"{path}: {name} needs {len(LEVELS[name])} levels {LEVELS[name]}")
    return Model(float(raw["lambda"]), m, u)


def _normalised(p: np.ndarray) -> np.ndarray:
    p = np.maximum(p, 1e-6)
    return p / p.sum()


def log_odds(model: Model, levels: np.ndarray) -> np.ndarray:
    """Match weight per pair (rows of comparison ``levels``) in natural-log odds: prior odds of λ plus
    each stated level's evidence."""
    out = np.full(len(levels), np.log(model.lam / (1 - model.lam)))
    for k, name in enumerate(COMPARISONS):
        lv = levels[:, k]
        table = np.log(model.m[name] / model.u[name])
        known = lv >= 0
        out[known] += table[lv[known]]
    return out


def match_probability(model: Model, comparisons: Comparisons) -> np.ndarray:
    """P(one vacancy | evidence) per pair; 0 where a veto decides."""
    p = 1.0 / (1.0 + np.exp(-log_odds(model, comparisons.levels)))
    return np.where(comparisons.veto >= 0, 0.0, p)


def estimate(comparisons: Comparisons, start: Model | None = None, prior_pairs: float = PRIOR_PAIRS,
             iterations: int = EM_ITERATIONS, sample: int = EM_SAMPLE) -> Model:
    """EM over the pairs (a fixed, evenly spaced sample of at most ``sample``): E, the probability each
    pair is a duplicate under the current m/u/λ; M, m and u as the probability-weighted level shares,
    with the prior added as ``prior_pairs`` pseudo-pairs. Vetoed pairs take part as known
    non-duplicates (semi-supervised EM): they are the candidates most like duplicates that are not."""
    base = start or prior()
    if os.environ.get("JOBPOOL_DEDUP_EM", "1") == "0":
        return base
    levels, vetoed = comparisons.levels, comparisons.veto >= 0
    if len(levels) > sample:
        pick = np.linspace(0, len(levels) - 1, sample).astype(np.int64)
        levels, vetoed = levels[pick], vetoed[pick]
    model = Model(base.lam, dict(base.m), dict(base.u), len(levels))
    if not len(levels):
        return model
    for _ in range(iterations):
        p = _posterior(model, levels, vetoed)
        m, u = {}, {}
        for k, name in enumerate(COMPARISONS):
            if name in FROM_PRIOR:
                m[name], u[name] = base.m[name], base.u[name]
            else:
                m[name], u[name] = _m_step(levels[:, k], p, len(LEVELS[name]), prior_pairs, base, name)
        lam = (p.sum() + prior_pairs * base.lam) / (len(p) + prior_pairs)
        model = Model(float(np.clip(lam, 1e-4, 0.9)), m, u, len(levels), model.iterations + 1)
    # the store-level comparisons, last: weighed by what the vacancy-level evidence decided
    p = _posterior(model, levels, vetoed)
    m, u = dict(model.m), dict(model.u)
    for k, name in enumerate(COMPARISONS):
        if name in FROM_PRIOR:
            m[name], u[name] = _m_step(levels[:, k], p, len(LEVELS[name]), prior_pairs, base, name)
    return Model(model.lam, m, u, len(levels), model.iterations)


def _posterior(model: Model, levels: np.ndarray, vetoed: np.ndarray) -> np.ndarray:
    """E step: P(duplicate) per pair; a vetoed pair is a known non-duplicate (the veto decides alone),
    which anchors the u probabilities in the pairs that look most alike."""
    p = 1.0 / (1.0 + np.exp(-log_odds(model, levels)))
    p[vetoed] = 0.0
    return p


def _m_step(lv: np.ndarray, p: np.ndarray, size: int, prior_pairs: float, base: Model,
            name: str) -> tuple[np.ndarray, np.ndarray]:
    """M step for one comparison: m and u as the probability-weighted level shares, plus the prior."""
    known = lv >= 0
    pm = np.bincount(lv[known], weights=p[known], minlength=size)
    pu = np.bincount(lv[known], weights=1.0 - p[known], minlength=size)
    return _normalised(pm + prior_pairs * base.m[name]), _normalised(pu + prior_pairs * base.u[name])
