"""``jobpool``: the command line. Every command calls the same functions the Airflow DAGs call."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from landing.paths import paths


class UserError(Exception):
    """The user's mistake (a query, a value, a path), reported as one ``jobpool: …`` message, no traceback."""


def _user_errors() -> tuple[type[BaseException], ...]:
    """What :func:`main` reports as a message: mistakes in what the user gave, and a file or warehouse
    that is missing, locked or unreadable. Anything else is a bug and keeps its traceback."""
    import duckdb

    from feeds.base import FeedError

    return (UserError, FeedError, FileNotFoundError, NotADirectoryError, IsADirectoryError, PermissionError,
            duckdb.IOException)


def _print_json(data: Any) -> None:
    print(json.dumps(data, ensure_ascii=False, indent=1, default=str))


def _progress(result: Any) -> None:
    rate = f", {result.records / result.seconds:,.0f} rec/s" if result.seconds > 0 and result.records else ""
    detail = f"  {json.dumps(result.detail, ensure_ascii=False, default=str)}" if result.detail else ""
    print(f"  {result.step:<12} {result.records:>9,} records {result.seconds:7.2f}s{rate}{detail}",
          flush=True)


# -- serve -----------------------------------------------------------------------------------------
def cmd_serve(args: argparse.Namespace) -> int:
    from api.app import serve

    serve(args.host, args.port, args.workers)
    return 0


# -- crawl -----------------------------------------------------------------------------------------
def cmd_crawl(args: argparse.Namespace) -> int:
    from crawlers.registry import CrawlSource, load_sources
    from crawlers.run import CrawlError, run_crawl

    if args.url or args.sitemap:
        if not args.source:
            print("--url/--sitemap need --source NAME", file=sys.stderr)
            return 2
        targets = [CrawlSource(args.source, args.spider or "jobposting", sitemap=args.sitemap, url=args.url)]
    else:
        registry = load_sources()
        names = [args.source] if args.source else list(registry)
        unknown = [n for n in names if n not in registry]
        if unknown:
            print(f"unknown crawl source(s) {unknown}; known: {sorted(registry)}", file=sys.stderr)
            return 2
        targets = [registry[n] for n in names]
    status = 0
    for target in targets:
        print(f"crawling {target.name} ...", flush=True)
        try:
            result = run_crawl(target)
        except (CrawlError, KeyError) as exc:
            print(f"  failed: {exc}", file=sys.stderr)
            status = 1
            continue
        batch = result.get("batch")
        stats = result.get("stats", {})
        landed = f"landed {batch['record_count']} records as {batch['batch_id']}" if batch else "landed nothing"
        print(f"  {landed}; pages {stats.get('pages')}, errors {stats.get('errors')}")
    return status


# -- ingest ----------------------------------------------------------------------------------------
def cmd_ingest(args: argparse.Namespace) -> int:
    from feeds.inbox import scan_inbox
    from feeds.ingest import ingest_file, ingest_url
    from landing.contract import skip_pandas_probe

    skip_pandas_probe()  # landing a file needs pyarrow, not pandas: saves 1–3 s of imports
    if args.file:
        if not args.source:
            print("ingest FILE needs --source NAME", file=sys.stderr)
            return 2
        mapping = Path(args.mapping) if args.mapping else None
        if args.file.startswith(("http://", "https://")):  # a paged JSON API (format "api")
            results = [ingest_url(args.file, args.source, mapping)]
        else:
            results = [ingest_file(Path(args.file), args.source, args.format, mapping)]
    else:
        results = scan_inbox(settle_seconds=args.settle)
    for r in results:
        if r.status == "landed":
            print(f"{r.source}: {r.file} landed {r.records} records ({r.record_errors} with errors) "
                  f"as {r.batch_id}")
        elif r.status == "duplicate":
            print(f"{r.source}: {r.file} already landed as {r.batch_id}; nothing to do")
        else:
            print(f"{r.source}: {r.file} QUARANTINED: {r.reason} -> {r.quarantined_to}", file=sys.stderr)
    return 1 if any(r.status == "quarantined" for r in results) else 0


# -- process ---------------------------------------------------------------------------------------
def cmd_process(args: argparse.Namespace) -> int:
    from jobpool.pipeline import STEP_FUNCTIONS, render_data_docs, run_all
    from warehouse.steps import BatchesHeld, ReconciliationError, new_run_id

    run_id = new_run_id()
    print(f"process {run_id} (warehouse {paths().warehouse})", flush=True)
    try:
        if args.step == "publish":
            _progress(STEP_FUNCTIONS["publish"](None, run_id, full=args.full_publish))
        elif args.step:
            _progress(STEP_FUNCTIONS[args.step](None, run_id))
        else:
            run_all(run_id=run_id, progress=_progress, full_publish=args.full_publish)
    except (BatchesHeld, ReconciliationError) as exc:
        print(f"process: {exc}", file=sys.stderr)
        return 1
    finally:
        render_data_docs()  # run_all renders them itself; a single step's validations are rendered here
    return 0


def cmd_release(args: argparse.Namespace) -> int:
    from warehouse.steps import release

    try:
        info = release(args.batch_id, args.note)
    except ValueError as exc:
        print(exc, file=sys.stderr)
        return 2
    print(f"released {info['batch_id']} ({info['source']}; was held for: {info['was_held_for']}); "
          f"run `jobpool process` to load it")
    return 0


# -- sql / status ----------------------------------------------------------------------------------
def cmd_sql(args: argparse.Namespace) -> int:
    import duckdb

    from transforms.normalise.salary import register_duckdb
    from warehouse.db import connect_reader
    from warehouse.snapshot import connect_published

    con = connect_published() if args.published else connect_reader(paths().warehouse)
    try:
        register_duckdb(con)  # analysts parse salary text the way the pipeline does
        try:
            rel = con.sql(args.query)
            if rel is None:
                return 0
            if args.format == "json":
                cols = rel.columns
                _print_json([dict(zip(cols, row, strict=True)) for row in rel.fetchall()])
            elif args.format == "csv":  # formula-like text cells neutralised unless --raw-cells
                from landing.safecells import write_csv

                write_csv(sys.stdout, rel.columns, rel.fetchall(), raw=args.raw_cells)
            else:
                rel.show(max_rows=args.max_rows, max_width=200)
        except duckdb.Error as exc:  # the analyst's query: DuckDB's message (and candidates) says what is wrong
            raise UserError(str(exc)) from exc
    finally:
        con.close()
    return 0


def _record_key(text: str) -> tuple[str, str]:
    source, sep, record = text.partition(":")
    if not sep or not source or not record:
        raise UserError(f"{text!r}: name a posting as SOURCE:SOURCE_RECORD_ID (published.job_sources)")
    return source, record


def cmd_explain(args: argparse.Namespace) -> int:
    """Why two postings are (not) one job; with one posting, it against every other copy of its job."""
    if args.pairs:
        return _explain_pairs(args)
    from transforms.dedup.explain import explain_pair, format_explanation
    from warehouse.db import connect_reader

    if not args.posting:
        raise UserError("explain: name a posting (SOURCE:SOURCE_RECORD_ID) or give --pairs FILE")
    first = _record_key(args.posting)
    con = connect_reader(paths().warehouse)
    try:
        if args.other:
            others = [_record_key(args.other)]
        else:
            row = con.execute("select job_id, match_rule, match_score from core.posting "
                              "where source = ? and source_record_id = ?", list(first)).fetchone()
            if row is None:
                raise UserError(f"no posting {args.posting} in core.posting")
            if not args.json:
                print(f"{args.posting}: job {row[0]}, {row[1]}, match_score {row[2]}")
            others = con.execute("select source, source_record_id from core.posting where job_id = ? and not "
                                 "(source = ? and source_record_id = ?) order by all", [row[0], *first]).fetchall()
            if not others and not args.json:
                print("  the only copy of its job")
        results = []
        for other in others:
            try:
                results.append(explain_pair(con, first, tuple(other)))
            except LookupError as exc:
                raise UserError(str(exc)) from exc
    finally:
        con.close()
    if args.json:
        _print_json(results)
    else:
        print("\n\n".join(format_explanation(r) for r in results))
    return 0


def _explain_pairs(args: argparse.Namespace) -> int:
    """--pairs FILE: a labelled sample of pairs (tab-separated label, first, second; a header line is
    skipped), diagnosed in aggregate."""
    from transforms.dedup.explain import diagnose_pairs, format_diagnosis
    from warehouse.db import connect_reader

    pairs = []
    with open(args.pairs, encoding="utf-8") as fh:
        for number, line in enumerate(fh, 1):
            cells = line.rstrip("\n").split("\t")
            if number == 1 and ":" not in "".join(cells[1:]):
                continue  # header
            if len(cells) != 3:
                raise UserError(f"{args.pairs}:{number}: want label, SOURCE:ID, SOURCE:ID separated by tabs")
            pairs.append((cells[0], _record_key(cells[1]), _record_key(cells[2])))
    con = connect_reader(paths().warehouse)
    try:
        report = diagnose_pairs(con, pairs)
    except LookupError as exc:
        raise UserError(f"{args.pairs}: {exc}") from exc
    finally:
        con.close()
    if args.json:
        _print_json(report)
    else:
        print(format_diagnosis(report, levels=not args.no_levels))
    return 0


def print_summary() -> bool:
    from warehouse.steps import source_summary

    rows = source_summary()
    print(f"{'source':<14}{'landed':>8}{'new jobs':>10}{'merged':>8}{'quarant.':>10}{'held':>6}  check")
    ok = True
    for r in rows:
        ok &= r["balanced"]
        mark = "landed = new + merged + quarantined + held" if r["balanced"] else "MISMATCH"
        if r["held"]:  # balanced, but not loaded: say so beside the sum (the reasons are the HELD lines)
            mark += f"; {r['held']} held, not loaded (see HELD)"
        print(f"{r['source']:<14}{r['landed']:>8}{r['new_jobs']:>10}{r['merged_duplicates']:>8}"
              f"{r['quarantined']:>10}{r['held']:>6}  {mark}")
    return ok


def cmd_status(args: argparse.Namespace) -> int:
    from landing.contract import read_manifest
    from warehouse.db import connect_reader
    from warehouse.steps import job_batches

    root = paths()
    manifest = read_manifest(root)
    print(f"home: {root.home}")
    print(f"landing: {len(manifest)} batches, {sum(r['record_count'] for r in manifest)} records")
    if not root.warehouse.exists():
        print("warehouse: not built yet (run `jobpool process`)")
        return 0
    con = connect_reader(root.warehouse)
    try:
        done = {r[0] for r in con.execute("select batch_id from audit.batch").fetchall()}
        pending = [r["batch_id"] for r in job_batches(root) if r["batch_id"] not in done]
        print(f"processed batches: {len(done)}; pending: {len(pending)}")
        jobs = con.execute("select count(*) from core.job").fetchone()[0]
        open_jobs = con.execute(
            "select count(*) from information_schema.tables where table_schema='published' "
            "and table_name='open_jobs'").fetchone()[0] and con.execute(
            "select count(*) from published.open_jobs").fetchone()[0]
        print(f"jobs: {jobs} (open, published: {open_jobs})")
        reasons = con.execute(
            "select check_name, count(*) from audit.quarantine group by all order by 2 desc"
        ).fetchall()
        if reasons:
            print("quarantine by check: " + ", ".join(f"{k}={v}" for k, v in reasons))
        for source, batch_id, reason in con.execute(
            "select source, batch_id, hold_reason from audit.batch where status = 'held' order by all"
        ).fetchall():
            print(f"HELD {source} batch {batch_id}: {reason}  (release: jobpool release {batch_id})")
    finally:
        con.close()
    return 0 if print_summary() else 1


def cmd_parse(args: argparse.Namespace) -> int:
    if args.kind == "salary":
        from transforms.normalise.salary import parse_salary, salary_to_dict

        s = parse_salary(args.text)
        _print_json(salary_to_dict(s) if s else None)
    else:
        from transforms.normalise.place import resolve_place

        _print_json(resolve_place(args.text).__dict__)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="jobpool", description=__doc__)
    parser.add_argument("--debug", action="store_true", help="show the Python traceback of an error")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("crawl", help="crawl registered sources (crawlers/sources.toml) or a URL")
    p.add_argument("--source", help="registry name (or the source name for --url/--sitemap)")
    p.add_argument("--url", help="start URL(s), comma-separated")
    p.add_argument("--sitemap", help="sitemap.xml URL")
    p.add_argument("--spider", help="spider for --url (default: jobposting)")
    p.set_defaults(func=cmd_crawl)

    p = sub.add_parser("ingest", help="land a partner file, or every ready file in the inbox")
    p.add_argument("file", nargs="?", help="a partner file, or the URL of a paged JSON API")
    p.add_argument("--source")
    p.add_argument("--format", metavar="FORMAT",
                   help="csv|xlsx|xml|json|jsonl (with the source's mapping), or a built-in preset: "
                        "indeed-xml, hr-xml, greenhouse-json, schemaorg-json, boss-csv, 51job-csv, "
                        "51job-gbk-csv, lagou-csv, zhaopin-json (docs/feeds.md)")
    p.add_argument("--mapping", help="TOML mapping file (else --format's preset, else feeds/partners.toml)")
    p.add_argument("--settle", type=float, default=2.0, help="inbox: seconds a file must be unchanged")
    p.set_defaults(func=cmd_ingest)

    p = sub.add_parser("process", help="normalise, deduplicate, validate, load and publish new batches")
    p.add_argument("--step", choices=["stage", "normalise", "deduplicate", "validate", "load", "publish",
                                      "reconcile"])
    p.add_argument("--full-publish", action="store_true",
                   help="rebuild every published table whole (e.g. after changing core by hand, outside load)")
    p.set_defaults(func=cmd_process)

    p = sub.add_parser("release", help="release a held batch after inspection (next process run loads it)")
    p.add_argument("batch_id")
    p.add_argument("--note", help="why it is fine (kept in audit.batch_release)")
    p.set_defaults(func=cmd_release)

    p = sub.add_parser("sql", help="query the warehouse (read-only)")
    p.add_argument("query")
    p.add_argument("--format", choices=["table", "csv", "json"], default="table")
    p.add_argument("--raw-cells", action="store_true",
                   help="csv: write text starting with = + - @ as stored (default: prefixed with ' so a "
                        "spreadsheet shows it as text, not a formula)")
    p.add_argument("--max-rows", type=int, default=40)
    p.add_argument("--published", action="store_true",
                   help="query the latest published snapshot (what apps read; never blocked by a running load)")
    p.set_defaults(func=cmd_sql)

    p = sub.add_parser("explain", help="why two postings are, or are not, one job (match weights, vetoes)")
    p.add_argument("posting", nargs="?", help="SOURCE:SOURCE_RECORD_ID")
    p.add_argument("other", nargs="?", help="SOURCE:SOURCE_RECORD_ID (default: every other copy of its job)")
    p.add_argument("--pairs", type=Path, help="a file of labelled pairs (label TAB SOURCE:ID TAB SOURCE:ID): "
                   "where each label's pairs are lost or joined (blocking, veto, score, clustering), in aggregate")
    p.add_argument("--no-levels", action="store_true", help="with --pairs: outcomes only")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_explain)

    p = sub.add_parser("status", help="batches, jobs, quarantine and per-source reconciliation")
    p.set_defaults(func=cmd_status)

    p = sub.add_parser("parse", help="show how a normaliser reads a text")
    p.add_argument("kind", choices=["salary", "place"])
    p.add_argument("text")
    p.set_defaults(func=cmd_parse)

    p = sub.add_parser("serve", help="the read API: the published pool over HTTP (docs/api.md)")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8000)
    p.add_argument("--workers", type=int, default=1, help="server processes (each holds its own snapshots)")
    p.set_defaults(func=cmd_serve)

    from jobpool.circle_cli import add_commands

    add_commands(sub)  # match, stations, map (the 15-minute circle, docs/circle.md)
    for command in sub.choices.values():  # --debug after the command too (SUPPRESS: never resets it)
        command.add_argument("--debug", action="store_true", default=argparse.SUPPRESS, help=argparse.SUPPRESS)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run a command. A user's mistake prints ``jobpool: <message>`` on stderr and exits 2 (``--debug``:
    the traceback); any other exception is a bug and propagates with its traceback."""
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except _user_errors() as exc:
        if args.debug:
            raise
        print(f"jobpool: {str(exc).strip() or type(exc).__name__}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
