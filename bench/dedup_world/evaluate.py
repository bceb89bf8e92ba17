"""Score the pipeline's deduplication on generated Jining worlds (aggregate figures only).

For each seed: generate a world into a temp dir, land its files into a fresh ``JOBPOOL_HOME`` with
the real CLI (``jobpool ingest`` / ``jobpool process``), read ``published.job_sources`` and compare
the posting → job mapping with the ground truth. Prints only aggregate scores, never records.

    .venv/bin/python bench/dedup_world/evaluate.py --seeds 1,2,3 [--scale 1.0] [--weekly] [--json PATH]

``--dump-pairs DIR`` (error analysis only, off by default) also writes, per seed, the individual
false-negative and false-positive pairs and a copy of the run's warehouse under ``DIR/seed<N>/``.
Those files hold generated records: they are not for the matcher's author.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import math
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from generate import CLASSES, HARDNESS, generate  # noqa: E402

NEG_TYPES = ("chain", "shift", "site", "other-role", "re-opened", "unrelated")
SOURCE_ORDER = ("jnrc_board", "hr_system", "gig_station")
Key = tuple[str, str]


def _c2(n: int) -> int:
    return n * (n - 1) // 2


def _jobpool() -> str:
    here = Path(sys.executable).parent / "jobpool"
    found = str(here) if here.exists() else shutil.which("jobpool")
    if not found:
        raise SystemExit("evaluate: the jobpool command was not found (run with the project's .venv python)")
    return found


class Runner:
    """Runs the real CLI against one JOBPOOL_HOME and keeps timings and findings."""

    def __init__(self, home: Path) -> None:
        self.jobpool = _jobpool()
        self.env = {k: v for k, v in os.environ.items() if k != "JOBPOOL_AS_OF"}
        self.env["JOBPOOL_HOME"] = str(home)
        self.times: Counter[str] = Counter()
        self.process_runs = 0
        self.released = 0
        self.file_quarantined = 0

    def run(self, args: list[str], what: str, ok: tuple[int, ...] = (0,)) -> subprocess.CompletedProcess[str]:
        t = time.perf_counter()
        proc = subprocess.run([self.jobpool, *args], env=self.env, capture_output=True, text=True, check=False)
        self.times[what] += time.perf_counter() - t
        if proc.returncode not in ok:
            raise RuntimeError(f"jobpool {args[0]} exited {proc.returncode}: {proc.stderr.strip()[-2000:]}")
        return proc

    def sql(self, query: str) -> list[dict[str, str]]:
        out = self.run(["sql", query, "--format", "csv", "--raw-cells", "--max-rows", "100000000"], "read").stdout
        return list(csv.DictReader(io.StringIO(out)))

    def land(self, files: dict[str, str], board_mapping: str, as_of: str) -> None:
        self.env["JOBPOOL_AS_OF"] = f"{as_of}T23:00:00+08:00"
        for source in SOURCE_ORDER:
            if source not in files:
                continue
            args = ["ingest", files[source], "--source", source]
            if source == "jnrc_board":  # schemaorg-json preset, with the board's own id as record key
                args += ["--format", "schemaorg-json", "--mapping", board_mapping]
            if self.run(args, "ingest", ok=(0, 1)).returncode == 1:
                self.file_quarantined += 1
        self.process()

    def process(self) -> None:
        self.process_runs += 1
        if self.run(["process"], "process", ok=(0, 1)).returncode == 0:
            return
        held = self.sql("select batch_id from audit.batch where status = 'held'")
        if not held:
            raise RuntimeError("jobpool process failed without a held batch")
        for row in held:  # an operator would inspect and release: the bench scores the matcher, not health checks
            self.run(["release", row["batch_id"], "--note", "dedup_world bench"], "process")
            self.released += 1
        self.process_runs += 1
        self.run(["process"], "process")


# -- truth and scoring -----------------------------------------------------------------------------
def load_truth(world: Path) -> tuple[list[dict[str, Any]], dict[int, dict[str, Any]]]:
    with open(world / "truth" / "postings.jsonl", encoding="utf-8") as fh:
        postings = [json.loads(line) for line in fh]
    with open(world / "truth" / "vacancies.jsonl", encoding="utf-8") as fh:
        vacancies = {v["vid"]: v for v in (json.loads(line) for line in fh)}
    return postings, vacancies


def true_pairs(postings: list[dict[str, Any]]) -> dict[tuple[Key, Key], str]:
    """Every pair of distinct record keys of one vacancy, labelled with the hardest copy class on the
    path between them in the copy tree (exact < cross-source < re-post < partial)."""
    by_idx = {p["idx"]: p for p in postings}
    by_vac: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for p in postings:
        if not p["same_key"]:
            by_vac[p["vid"]].append(p)

    def chain(p: dict[str, Any]) -> list[tuple[int, int]]:  # (node, hardness of the edge to its parent)
        out = []
        while p["parent"] is not None:
            out.append((p["idx"], HARDNESS[p["cls"]]))
            p = by_idx[p["parent"]]
        out.append((p["idx"], -1))
        return out

    pairs: dict[tuple[Key, Key], str] = {}
    names = {v: k for k, v in HARDNESS.items()}
    for reps in by_vac.values():
        chains = {p["idx"]: chain(p) for p in reps}
        for i, a in enumerate(reps):
            for b in reps[i + 1:]:
                ca, cb = chains[a["idx"]], chains[b["idx"]]
                nodes_b = {n for n, _ in cb}
                hard, lca = -1, None
                for n, h in ca:
                    if n in nodes_b:
                        lca = n
                        break
                    hard = max(hard, h)
                for n, h in cb:
                    if n == lca:
                        break
                    hard = max(hard, h)
                ka, kb = (a["source"], a["rid"]), (b["source"], b["rid"])
                pairs[(min(ka, kb), max(ka, kb))] = names[max(hard, 0)]
    return pairs


def neg_counts(members: list[dict[str, Any]]) -> Counter[str]:
    """Pairs of different vacancies in one group of keys, by hard-negative type."""
    out: Counter[str] = Counter()
    levels: list[Counter[tuple[Any, ...]]] = [Counter() for _ in range(5)]
    unit_kind: dict[tuple[Any, ...], str] = {}
    for v in members:
        k_emp = (v["eid"],)
        k_role = (*k_emp, v["role"], v["pv"])
        k_unit = (*k_role, v["unit"])
        k_shift = (*k_unit, v["shift"])
        for lvl, k in enumerate((k_emp, k_role, k_unit, k_shift, (v["vid"],))):
            levels[lvl][k] += 1
        unit_kind[k_role] = v["unit_kind"]
    c = [sum(_c2(n) for n in lvl.values()) for lvl in levels]
    out["unrelated"] = _c2(len(members)) - c[0]
    out["other-role"] = c[0] - c[1]
    same_unit: Counter[tuple[Any, ...]] = Counter()
    for kk, m in levels[2].items():
        same_unit[kk[:3]] += _c2(m)
    for k, n in levels[1].items():
        out["site" if unit_kind[k] == "site" else "chain"] += _c2(n) - same_unit[k]
    out["shift"] = c[2] - c[3]
    out["re-opened"] = c[3] - c[4]
    return out


def neg_kind(a: dict[str, Any], b: dict[str, Any]) -> str:
    """The hard-negative type of one pair of different vacancies (the per-pair form of neg_counts)."""
    if a["eid"] != b["eid"]:
        return "unrelated"
    if (a["role"], a["pv"]) != (b["role"], b["pv"]):
        return "other-role"
    if a["unit"] != b["unit"]:
        return "site" if a["unit_kind"] == "site" else "chain"
    if a["shift"] != b["shift"]:
        return "shift"
    return "re-opened"


def score(postings: list[dict[str, Any]], vacancies: dict[int, dict[str, Any]],
          job_of: dict[Key, str]) -> dict[str, Any]:
    """Pairwise and B-cubed scores, recall per copy class, false positives per negative type."""
    keys: dict[Key, int] = {}
    for p in postings:
        keys.setdefault((p["source"], p["rid"]), p["vid"])
    missing = [k for k in keys if k not in job_of]
    pred = {k: job_of.get(k, f"missing:{k[0]}:{k[1]}") for k in keys}
    pairs = true_pairs(postings)
    tp_cls: Counter[str] = Counter()
    n_cls: Counter[str] = Counter()
    for (a, b), cls in pairs.items():
        n_cls[cls] += 1
        if pred[a] == pred[b]:
            tp_cls[cls] += 1
    tp, n_true = sum(tp_cls.values()), len(pairs)
    clusters: dict[str, list[Key]] = defaultdict(list)
    for k, j in pred.items():
        clusters[j].append(k)
    n_pred = sum(_c2(len(m)) for m in clusters.values())
    fp: Counter[str] = Counter()
    for members in clusters.values():
        if len(members) > 1:
            fp.update(neg_counts([vacancies[keys[k]] for k in members]))
    candidates = neg_counts([vacancies[v] for v in keys.values()])
    # B-cubed over record keys
    true_size = Counter(keys.values())
    pred_size = {j: len(m) for j, m in clusters.items()}
    inter = Counter((pred[k], v) for k, v in keys.items())
    b3p = sum(inter[(pred[k], v)] / pred_size[pred[k]] for k, v in keys.items())
    b3r = sum(inter[(pred[k], v)] / true_size[v] for k, v in keys.items())
    return {"postings": len(postings), "keys": len(keys), "vacancies": len(true_size), "jobs": len(clusters),
            "missing": len(missing), "tp": tp, "true_pairs": n_true, "pred_pairs": n_pred,
            "b3p_sum": b3p, "b3r_sum": b3r, "n_cls": dict(n_cls), "tp_cls": dict(tp_cls),
            "fp": {t: fp[t] for t in NEG_TYPES}, "candidates": {t: candidates[t] for t in NEG_TYPES}}


def summarise(raw: dict[str, Any]) -> dict[str, Any]:
    """Rates from summed counts (works for one seed or pooled seeds)."""
    p = raw["tp"] / raw["pred_pairs"] if raw["pred_pairs"] else 1.0
    r = raw["tp"] / raw["true_pairs"] if raw["true_pairs"] else 1.0
    b3p, b3r = raw["b3p_sum"] / raw["keys"], raw["b3r_sum"] / raw["keys"]
    out = dict(raw)
    out.update(precision=p, recall=r, f1=2 * p * r / (p + r) if p + r else 0.0,
               b3_precision=b3p, b3_recall=b3r, b3_f1=2 * b3p * b3r / (b3p + b3r) if b3p + b3r else 0.0,
               recall_by_class={c: (raw["tp_cls"].get(c, 0) / raw["n_cls"][c] if raw["n_cls"].get(c) else None)
                                for c in CLASSES})
    return out


def pool(raws: list[dict[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for r in raws:
        for k, v in r.items():
            if k in ("baseline", "recall_by_class", "seconds"):
                continue
            if isinstance(v, dict):
                d = out.setdefault(k, {})
                for kk, vv in v.items():
                    d[kk] = d.get(kk, 0) + vv
            elif isinstance(v, int | float):
                out[k] = out.get(k, 0) + v
    return out


# -- error dump (--dump-pairs) ---------------------------------------------------------------------
def _fmt(key: Key) -> str:
    return f"{key[0]}:{key[1]}"


def error_pairs(postings: list[dict[str, Any]], vacancies: dict[int, dict[str, Any]], job_of: dict[Key, str]
                ) -> tuple[list[tuple[str, Key, Key]], list[tuple[str, Key, Key]]]:
    """The pairs behind score()'s FN and FP counts: (copy class, a, b) for each true pair the pipeline
    split, (negative type, a, b) for each pair of different vacancies it put in one job."""
    keys: dict[Key, int] = {}
    for p in postings:
        keys.setdefault((p["source"], p["rid"]), p["vid"])
    pred = {k: job_of.get(k, f"missing:{k[0]}:{k[1]}") for k in keys}
    missed = sorted((cls, a, b) for (a, b), cls in true_pairs(postings).items() if pred[a] != pred[b])
    clusters: dict[str, list[Key]] = defaultdict(list)
    for k, j in pred.items():
        clusters[j].append(k)
    false: list[tuple[str, Key, Key]] = []
    for members in clusters.values():
        members.sort()
        for i, a in enumerate(members):
            for b in members[i + 1:]:
                if keys[a] != keys[b]:
                    false.append((neg_kind(vacancies[keys[a]], vacancies[keys[b]]), a, b))
    return missed, sorted(false)


def _write_tsv(path: Path, head: str, rows: list[tuple[str, Key, Key]]) -> None:
    with open(path, "w", encoding="utf-8", newline="") as fh:
        fh.write(f"{head}\tfirst\tsecond\n")
        fh.writelines(f"{label}\t{_fmt(a)}\t{_fmt(b)}\n" for label, a, b in rows)


def dump_pairs(out: Path, seed: int, home: Path, postings: list[dict[str, Any]],
               vacancies: dict[int, dict[str, Any]], job_of: dict[Key, str], result: dict[str, Any]) -> None:
    """Write DIR/seed<N>/{missed,false}.tsv and a copy of the warehouse (every jobpool command of the
    run has exited by now, so the file is closed and checkpointed)."""
    import duckdb

    missed, false = error_pairs(postings, vacancies, job_of)
    fn, fp = result["true_pairs"] - result["tp"], result["pred_pairs"] - result["tp"]
    if len(missed) != fn or len(false) != fp or Counter(k for k, _, _ in false) != +Counter(result["fp"]):
        raise RuntimeError(f"dump seed {seed}: pair lists disagree with the scores "
                           f"(missed {len(missed)} vs FN {fn}, false {len(false)} vs FP {fp})")
    dest = out / f"seed{seed}"
    dest.mkdir(parents=True, exist_ok=True)
    _write_tsv(dest / "missed.tsv", "class", missed)
    _write_tsv(dest / "false.tsv", "kind", false)
    found = sorted((home / "warehouse").glob("*.duckdb"))
    if len(found) != 1:
        raise RuntimeError(f"dump seed {seed}: expected one warehouse file under {home / 'warehouse'}, found {found}")
    db = found[0]
    for part in (db, db.with_name(db.name + ".wal")):
        if part.exists():
            shutil.copy2(part, dest / part.name)
    with duckdb.connect(str(dest / db.name), read_only=True) as con:  # the copy opens and has the scored rows
        row = con.execute("select count(*) from published.job_sources").fetchone()
    if row is None or row[0] != len(job_of):
        raise RuntimeError(f"dump seed {seed}: the copied warehouse has {row} job_sources rows, not {len(job_of)}")
    (dest / "home.txt").write_text(db.name, encoding="utf-8")
    print(f"dump seed {seed}: missed {len(missed)} (FN {fn}), false {len(false)} (FP {fp})", flush=True)


# -- baseline --------------------------------------------------------------------------------------
def baseline(postings: list[dict[str, Any]], threshold: float = 0.75) -> dict[Key, str]:
    """TF-IDF character bigrams of the description, cosine ≥ threshold, connected components."""
    import numpy as np
    from scipy.sparse import csr_matrix
    from scipy.sparse.csgraph import connected_components

    docs: dict[Key, str] = {}
    for p in postings:
        docs.setdefault((p["source"], p["rid"]), p["description"])
    keys = list(docs)
    vocab: dict[str, int] = {}
    rows, cols, vals = [], [], []
    for i, k in enumerate(keys):
        text = "".join(docs[k].split())
        for g, n in Counter(text[j:j + 2] for j in range(len(text) - 1)).items():
            rows.append(i)
            cols.append(vocab.setdefault(g, len(vocab)))
            vals.append(float(n))
    x = csr_matrix((vals, (rows, cols)), shape=(len(keys), len(vocab)), dtype=np.float32)
    df = np.bincount(x.indices, minlength=len(vocab))
    idf = np.log((1 + len(keys)) / (1 + df)) + 1
    x = x.multiply(idf.astype(np.float32)).tocsr()
    norms = np.sqrt(np.asarray(x.multiply(x).sum(axis=1)).ravel())
    norms[norms == 0] = 1
    x = csr_matrix(x.multiply(1 / norms[:, None]))
    ei, ej = [], []
    xt = x.T.tocsc()
    for s in range(0, len(keys), 512):
        block = (x[s:s + 512] @ xt).toarray()
        bi, bj = np.nonzero(block >= threshold)
        ei.append(bi + s)
        ej.append(bj)
    ii, jj = np.concatenate(ei), np.concatenate(ej)
    graph = csr_matrix((np.ones(len(ii)), (ii, jj)), shape=(len(keys), len(keys)))
    _, labels = connected_components(graph, directed=False)
    return {k: f"b{labels[i]}" for i, k in enumerate(keys)}


# -- the run ---------------------------------------------------------------------------------------
def run_seed(seed: int, scale: float, weekly: bool, start: date, with_baseline: bool,
             keep: Path | None, dump: Path | None = None) -> dict[str, Any]:
    tmp = Path(tempfile.mkdtemp(prefix=f"dedup_world_{seed}_"))
    try:
        t0 = time.perf_counter()
        meta = generate(tmp / "world", seed, scale, start, weekly)
        t_gen = time.perf_counter() - t0
        runner = Runner(tmp / "home")
        for batch in meta["batches"]:
            runner.land(batch["files"], meta["board_mapping"], batch["as_of"])
        rows = runner.sql("select source, source_record_id, job_id from published.job_sources")
        job_of = {(r["source"], r["source_record_id"]): r["job_id"] for r in rows}
        quarantined = runner.sql("select distinct source, source_record_id from audit.quarantine")
        postings, vacancies = load_truth(tmp / "world")
        result = score(postings, vacancies, job_of)
        generated = {(p["source"], p["rid"]) for p in postings}
        result["quarantined"] = sum(1 for r in quarantined if (r["source"], r["source_record_id"]) in generated)
        result["unknown_keys"] = len(set(job_of) - generated)
        result["held_released"] = runner.released
        result["files_quarantined"] = runner.file_quarantined
        result["process_runs"] = runner.process_runs
        result["seconds"] = {"generate": t_gen, **dict(runner.times), "total": time.perf_counter() - t0}
        if dump is not None:
            dump_pairs(dump, seed, tmp / "home", postings, vacancies, job_of, result)
        if with_baseline:
            result["baseline"] = summarise(score(postings, vacancies, baseline(postings)))
        return result
    finally:
        if keep is not None:
            shutil.copytree(tmp, keep / f"seed{seed}", dirs_exist_ok=True)
        shutil.rmtree(tmp, ignore_errors=True)


def _f(x: float | None) -> str:
    return "-" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{x:.3f}"


def table(cols: dict[str, dict[str, Any]]) -> str:
    """Metrics as rows, seeds (and pooled) as columns."""
    rows: list[tuple[str, list[str]]] = []

    def add(name: str, fn: Any) -> None:
        rows.append((name, [fn(s) for s in cols.values()]))

    add("postings / record keys", lambda s: f"{s['postings']:,} / {s['keys']:,}")
    add("true vacancies / jobs found", lambda s: f"{s['vacancies']:,} / {s['jobs']:,}")
    add("missing from job_sources", lambda s: f"{s['missing']:,}")
    add("  of which quarantined", lambda s: f"{s.get('quarantined', 0):,}")
    add("held batches released", lambda s: f"{s.get('held_released', 0):,}")
    add("pairwise precision", lambda s: _f(s["precision"]))
    add("pairwise recall", lambda s: _f(s["recall"]))
    add("pairwise F1", lambda s: _f(s["f1"]))
    add("B-cubed P / R", lambda s: f"{_f(s['b3_precision'])} / {_f(s['b3_recall'])}")
    add("B-cubed F1", lambda s: _f(s["b3_f1"]))
    for c in CLASSES:
        add(f"recall {c} (n pairs)", lambda s, c=c: f"{_f(s['recall_by_class'][c])} ({s['n_cls'].get(c, 0):,})")
    add("true pairs / predicted pairs", lambda s: f"{s['true_pairs']:,} / {s['pred_pairs']:,}")
    for t in NEG_TYPES:
        add(f"FP pairs {t} / cand.", lambda s, t=t: f"{s['fp'][t]:,} / {s['candidates'][t]:,}")
    add("FP pairs total", lambda s: f"{s['pred_pairs'] - s['tp']:,}")
    if all("baseline" in s for s in cols.values()):
        add("baseline P / R / F1", lambda s: " / ".join(_f(s["baseline"][k]) for k in ("precision", "recall", "f1")))
        add("baseline B-cubed F1", lambda s: _f(s["baseline"]["b3_f1"]))
    add("seconds ingest / process",
        lambda s: f"{s['seconds'].get('ingest', 0):.0f} / {s['seconds'].get('process', 0):.0f}")
    add("process runs / total s", lambda s: f"{s.get('process_runs', 0)} / {s['seconds'].get('total', 0):.0f}")
    w0 = max(len(r[0]) for r in rows)
    ws = [max(len(name), *(len(r[1][i]) for r in rows)) for i, name in enumerate(cols)]
    lines = ["  ".join([" " * w0, *(n.rjust(w) for n, w in zip(cols, ws, strict=True))])]
    lines += ["  ".join([name.ljust(w0), *(v.rjust(w) for v, w in zip(vals, ws, strict=True))]) for name, vals in rows]
    return "\n".join(lines)


def main() -> int:
    ap = argparse.ArgumentParser(description="Score jobpool dedup on generated Jining worlds (aggregates only).")
    ap.add_argument("--seeds", default="1,2,3", help="comma-separated seeds (1-5 are development seeds)")
    ap.add_argument("--scale", type=float, default=1.0)
    ap.add_argument("--weekly", action="store_true", help="land and process in weekly batches, in date order")
    ap.add_argument("--json", type=Path, help="write the figures as JSON")
    ap.add_argument("--no-baseline", action="store_true", help="skip the TF-IDF baseline")
    ap.add_argument("--start", type=date.fromisoformat, default=datetime.now(UTC).date(),
                    help="first posting day (default today, so landing times are never in the world's future)")
    ap.add_argument("--dump-pairs", type=Path, metavar="DIR",
                    help="error analysis: write DIR/seed<N>/missed.tsv, false.tsv and a copy of the warehouse "
                         "(generated records; not for the matcher's author)")
    ap.add_argument("--keep", type=Path, help=argparse.SUPPRESS)  # debugging only: keeps worlds (never commit)
    args = ap.parse_args()
    seeds = [int(s) for s in args.seeds.split(",") if s.strip()]
    mode = "weekly batches" if args.weekly else "one landing per source"
    print(f"dedup_world: seeds {seeds}, scale {args.scale}, {mode}", flush=True)
    per_seed: dict[str, dict[str, Any]] = {}
    raws = []
    for seed in seeds:
        raw = run_seed(seed, args.scale, args.weekly, args.start, not args.no_baseline, args.keep, args.dump_pairs)
        raws.append(raw)
        per_seed[f"seed {seed}"] = summarise(raw)
        print(f"  seed {seed}: done in {raw['seconds']['total']:.0f} s", flush=True)
    cols = dict(per_seed)
    if len(seeds) > 1:
        pooled = summarise(pool(raws))
        if not args.no_baseline:
            pooled["baseline"] = summarise(pool([r["baseline"] for r in raws]))
        pooled["seconds"] = {k: sum(r["seconds"].get(k, 0) for r in raws) for k in ("ingest", "process", "total")}
        cols["pooled"] = pooled
    print(table(cols))
    if args.json:
        args.json.write_text(json.dumps({"seeds": seeds, "scale": args.scale, "weekly": args.weekly,
                                         "results": cols}, indent=1, default=str), encoding="utf-8")
        print(f"figures written to {args.json}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
