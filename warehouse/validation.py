"""Great Expectations at three points of the pipeline, plus batch-level health checks.

* ``landing``  — each landed batch as it enters staging: required columns, ids, hash form, URL form,
  fetch time not in the future, record count > 0 (and equal to the manifest's).
* ``normalised_postings`` — typed postings before load: title/description present, salary min ≤ max
  and monthly figures in a sane range, valid adcode, coordinates inside the named city, schema.org
  employmentType, validThrough ≥ datePosted, datePosted not in the future, text lengths.
* ``published`` — the tables about to be published: job_id unique, every job has a source, no phone
  or ID-card numbers left in descriptions.

Suites are code, versioned with the repo. A failed expectation of severity ``quarantine`` sends the
records it names (``unexpected_index_list`` on ``row_id``) to ``audit.quarantine`` with the
expectation and the observed value; severity ``warn`` is recorded in ``audit.validation_run`` only.
A batch whose health checks fail (volume collapse, null-rate jump, too much quarantined, a broken
record key) is held: not loaded, not published, until a data engineer releases it
(``jobpool release BATCH``).

A broken record key: records of one batch sharing a ``source_record_id`` but differing in URL or
content. Deduplication takes records with one key as copies of one record, so such a batch would
collapse into one job per key while every count still balanced.
"""

from __future__ import annotations

import importlib
import importlib.util
import logging
import os
import sys
import time
import types
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from transforms.vocabulary import EMPLOYMENT_TYPES

BAD_COORDS = ["outside_city", "lat_eq_lon", "zero", "out_of_range"]
#: monthly pay outside these bounds (CNY) is a unit or parsing error, not a job (per period the parse
#: converted to a month; see transforms/normalise/salary.py for the conversion conventions)
MONTHLY_CNY_RANGE = (300.0, 300_000.0)

#: What must never reach the published layer: mainland mobiles, landlines, 15/18-digit ID-card numbers.
#: Deliberately independent of transforms/normalise/pii.py, so the check verifies the masking rather than repeat it.
PII_REGEX = (r"(?<![\d*])1[3-9]\d{9}(?![\d*])|(?<![\d*])0\d{2,3}[- ]?\d{7,8}(?![\d*])"
             r"|(?<![\d*])\d{17}[\dXx](?![\d*])|(?<![\d*])\d{15}(?![\d*])")

#: batch health thresholds
VOLUME_DROP = 0.8          # a batch > 80% below the source's recent median volume is held
NULL_JUMP = 0.5            # a column's null rate rising by > 50 points over the recent mean is held
MAX_QUARANTINED = 0.2      # > 20% of a batch quarantined: the batch is held ...
MIN_SHARE_RECORDS = 10     # ... when it has at least this many records (2 of 3 bad is noise, not a broken source)
HISTORY = 5                # batches of a source that make "recent"
MIN_HISTORY = 3            # fewer loaded batches than this: no volume/null-rate baseline yet
PROFILED = ("title", "description", "salary_text", "address", "date_posted")
SHOWN_KEYS = 3             # broken record keys a hold reason names (the biggest first), ...
SHOWN_URLS = 3             # ... each with this many of its URLs


@dataclass(frozen=True)
class Check:
    """One expectation and what its failure means for the records it names."""

    name: str
    reason: str
    columns: tuple[str, ...]
    build: Callable[[], Any]  # () -> a GX Expectation
    severity: str = "quarantine"  # quarantine | warn
    priority: int = 50  # lower = reported first when a record fails several


def _landing_checks(as_of: date) -> list[Check]:
    gx = _import_gx()

    e = gx.expectations
    return [
        Check("landing_ingest_error", "the source could not read this record", ("ingest_error",),
              lambda: e.ExpectColumnValuesToBeNull(column="ingest_error"), priority=0),
        Check("landing_record_id", "source_record_id is missing", ("source_record_id",),
              lambda: e.ExpectColumnValuesToNotBeNull(column="source_record_id"), priority=1),
        Check("landing_content_hash", "content_hash is not a sha256", ("content_hash",),
              lambda: e.ExpectColumnValuesToMatchRegex(column="content_hash", regex=r"^[0-9a-f]{64}$"),
              priority=1),
        Check("landing_fetched_not_future", "fetched_at is in the future", ("fetched_days_ahead",),
              lambda: e.ExpectColumnValuesToBeBetween(column="fetched_days_ahead", max_value=1), priority=1),
        Check("landing_url_form", "url is not an http(s) address", ("url",),
              lambda: e.ExpectColumnValuesToMatchRegex(column="url", regex=r"^(?:https?://|www\.)\S+$"),
              severity="warn"),
    ]


def _posting_checks(as_of: date, adcodes: list[str]) -> list[Check]:
    gx = _import_gx()

    e = gx.expectations
    lo, hi = MONTHLY_CNY_RANGE
    return [
        Check("title_present", "title is missing", ("title",),
              lambda: e.ExpectColumnValuesToNotBeNull(column="title"), priority=2),
        Check("description_present", "description is missing or empty", ("description_length",),
              lambda: e.ExpectColumnValuesToBeBetween(column="description_length", min_value=1), priority=3),
        Check("title_length", "title longer than 100 characters", ("title_length",),
              lambda: e.ExpectColumnValuesToBeBetween(column="title_length", max_value=100), priority=4),
        Check("description_length", "description longer than 20,000 characters", ("description_length",),
              lambda: e.ExpectColumnValuesToBeBetween(column="description_length", max_value=20_000),
              severity="warn"),
        Check("date_posted_not_future", "datePosted is in the future", ("posted_days_ahead", "date_posted_raw"),
              lambda: e.ExpectColumnValuesToBeBetween(column="posted_days_ahead", max_value=1), priority=5),
        Check("valid_through_after_posted", "validThrough is before datePosted",
              ("valid_through_day", "posted_day"),
              lambda: e.ExpectColumnPairValuesAToBeGreaterThanB(
                  column_A="valid_through_day", column_B="posted_day", or_equal=True,
                  ignore_row_if="either_value_is_missing"), priority=6),
        Check("salary_min_le_max", "salary minimum exceeds maximum", ("salary_min", "salary_max"),
              lambda: e.ExpectColumnPairValuesAToBeGreaterThanB(
                  column_A="salary_max", column_B="salary_min", or_equal=True,
                  ignore_row_if="either_value_is_missing"), priority=7),
        Check("salary_monthly_range", f"monthly CNY salary outside {lo:,.0f}–{hi:,.0f}",
              ("salary_monthly_cny", "salary_text"),
              lambda: e.ExpectColumnValuesToBeBetween(column="salary_monthly_cny", min_value=lo, max_value=hi),
              priority=8),
        Check("employment_type_enum", "employmentType outside the schema.org enumeration", ("employment_type",),
              lambda: e.ExpectColumnValuesToBeInSet(column="employment_type", value_set=list(EMPLOYMENT_TYPES)),
              priority=9),
        Check("district_adcode_valid", "district adcode is not a known county adcode", ("district_adcode",),
              lambda: e.ExpectColumnValuesToBeInSet(column="district_adcode", value_set=adcodes), priority=10),
        Check("coordinates_in_city", "coordinates are not inside the named city (or not plausible)",
              ("coord_status", "address"),
              lambda: e.ExpectColumnValuesToNotBeInSet(column="coord_status", value_set=BAD_COORDS), priority=11),
    ]


def _published_checks() -> list[Check]:
    gx = _import_gx()

    e = gx.expectations
    return [
        Check("job_id_unique", "job_id is not unique", ("job_id",),
              lambda: e.ExpectColumnValuesToBeUnique(column="job_id")),
        Check("job_has_source", "job has no source record in published.job_sources", ("n_links",),
              lambda: e.ExpectColumnValuesToBeBetween(column="n_links", min_value=1)),
        Check("no_personal_data", "description still holds a phone or ID-card number", ("description",),
              lambda: e.ExpectColumnValuesToNotMatchRegex(column="description", regex=PII_REGEX)),
    ]


def data_docs_dir(root: Any = None) -> Path:
    """Where the Data Docs are rendered: ``quality/data_docs`` under ``root`` (a Paths; default
    JOBPOOL_HOME)."""
    from landing.paths import paths

    return (root or paths()).home / "quality" / "data_docs"


#: the process's GX context and, per suite, its checkpoint: building them costs seconds, so a process
#: builds each once (the Airflow task runs every step in one process, the CLI one run)
_GX: dict[str, Any] = {}
#: validation results kept in the context since Data Docs were last rendered (see render_data_docs)
_UNRENDERED: list[tuple[Any, Any]] = []


#: modules GX imports at start-up only for expectations and charts these suites never use (KL
#: divergence, KS tests): about half of GX's import time, so they are imported on first use instead
DEFERRED_IMPORTS = ("scipy.stats", "altair")


class _Deferred(types.ModuleType):
    """Stands in for a module in ``sys.modules`` until someone reads one of its attributes; then the
    real module is imported and every attribute read is passed on to it."""

    def __getattr__(self, attr: str) -> Any:
        real = self.__dict__.get("_real")
        if real is None:
            if sys.modules.get(self.__name__) is self:
                del sys.modules[self.__name__]
            real = self.__dict__["_real"] = importlib.import_module(self.__name__)
        return getattr(real, attr)


def _defer(names: tuple[str, ...]) -> None:
    for name in names:
        if name in sys.modules or importlib.util.find_spec(name) is None:
            continue
        stub = sys.modules[name] = _Deferred(name)
        parent, _, child = name.rpartition(".")
        if parent:
            setattr(sys.modules[parent], child, stub)


def _import_gx() -> Any:
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")
    logging.getLogger("great_expectations").setLevel(logging.ERROR)
    if "great_expectations" not in sys.modules:
        _defer(DEFERRED_IMPORTS)
    import great_expectations as gx

    return gx


def _context() -> Any:
    gx = _import_gx()

    if "context" not in _GX:
        context = gx.get_context(mode="ephemeral")
        context.variables.progress_bars = {"globally": False}
        _GX.update(source=context.data_sources.add_pandas("jobpool"), suites={}, context=context)
    return _GX["context"]


def _checkpoint(suite_name: str, checks: list[Check]) -> tuple[Any, dict[str, Check]]:
    """The suite's checkpoint, built on first use and again only when its expectations change (an
    ``as_of`` or value set that differs): one context and one suite per process, not per run."""
    gx = _import_gx()

    context = _context()
    expectations = []
    by_name: dict[str, Check] = {}
    for check in checks:
        expectation = check.build()
        expectation.meta = {"check": check.name, "severity": check.severity}
        expectations.append(expectation)
        by_name[check.name] = check
    fingerprint = repr([(e.configuration.to_json_dict(), e.meta) for e in expectations])
    cached = _GX["suites"].get(suite_name)
    if cached is not None and cached[0] == fingerprint:
        return cached[1], by_name  # the checks' reasons and priorities as they are now
    if cached is not None:  # the expectations changed: replace the suite and what refers to it
        context.checkpoints.delete(suite_name)
        context.validation_definitions.delete(suite_name)
        context.suites.delete(suite_name)
        batch_definition = cached[2]
    else:
        asset = _GX["source"].add_dataframe_asset(suite_name)
        batch_definition = asset.add_batch_definition_whole_dataframe("run")
    suite = context.suites.add(gx.ExpectationSuite(name=suite_name))
    for expectation in expectations:
        suite.add_expectation(expectation)
    definition = context.validation_definitions.add(
        gx.ValidationDefinition(name=suite_name, data=batch_definition, suite=suite))
    checkpoint = context.checkpoints.add(gx.Checkpoint(
        name=suite_name, validation_definitions=[definition], actions=[],
        result_format={"result_format": "COMPLETE", "unexpected_index_column_names": ["row_id"]}))
    _GX["suites"][suite_name] = (fingerprint, checkpoint, batch_definition)
    return checkpoint, by_name


def render_data_docs(docs_dir: Path | None = None) -> Path | None:
    """Render the Data Docs of the validations this process ran since the last call into
    ``docs_dir`` (default ``$JOBPOOL_HOME/quality/data_docs``); returns the index page, or None when
    there was nothing to render. Called after publish (jobpool/pipeline.py), off the critical path:
    the results are kept in memory until then."""
    if not _UNRENDERED:
        return None
    from great_expectations.data_context.types.resource_identifiers import ExpectationSuiteIdentifier

    context = _context()
    docs_dir = docs_dir or data_docs_dir()
    docs_dir.mkdir(parents=True, exist_ok=True)
    config = {"class_name": "SiteBuilder",
              "store_backend": {"class_name": "TupleFilesystemStoreBackend", "base_directory": str(docs_dir)},
              "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"}}
    sites = context.variables.data_docs_sites or {}
    if sites.get("jobpool") != config:  # first render, or another JOBPOOL_HOME since the last one
        if "jobpool" in sites:
            context.delete_data_docs_site("jobpool")
        context.add_data_docs_site(site_name="jobpool", site_config=config)
    pending = list(_UNRENDERED)
    _UNRENDERED.clear()
    identifiers: list[Any] = []
    for result_id, suite_name in pending:
        identifiers += [result_id, ExpectationSuiteIdentifier(name=suite_name)]
    context.build_data_docs(site_names=["jobpool"], resource_identifiers=identifiers)
    store = context.validation_results_store
    for result_id, _ in pending:  # rendered: the in-memory store need not keep them
        try:
            store.remove_key(result_id)
        except Exception:  # noqa: BLE001 (freeing memory is best effort)
            pass
    return docs_dir / "index.html"


def run_suite(suite_name: str, df: pd.DataFrame, checks: list[Check],
              docs_dir: Path | None = None) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Validate ``df`` (must have ``row_id``) with GX; returns the failing (row_id, check) pairs of
    quarantine severity and a summary of every failed expectation. The result is kept for
    :func:`render_data_docs`; ``docs_dir`` renders the Data Docs there at once."""
    checkpoint, by_name = _checkpoint(suite_name, checks)
    result_id, result = next(iter(checkpoint.run(batch_parameters={"dataframe": df}).run_results.items()))
    _UNRENDERED.append((result_id, suite_name))
    if docs_dir is not None:
        render_data_docs(docs_dir)
    failures: list[dict[str, Any]] = []
    failed: list[str] = []
    for item in result.results:
        check = by_name[item.expectation_config.meta["check"]]
        if item.exception_info and item.exception_info.get("raised_exception", True) and not item.success:
            errors = [v.get("exception_message") for v in item.exception_info.values() if isinstance(v, dict)]
            raise RuntimeError(f"expectation {check.name} could not be evaluated: {errors or item.exception_info}")
        if item.success:
            continue
        failed.append(f"{check.name}({item.result.get('unexpected_count', '?')})")
        if check.severity != "quarantine":
            continue
        expectation = item.expectation_config.type
        for entry in item.result.get("unexpected_index_list") or []:
            observed = ", ".join(f"{c}={entry.get(c)}" for c in check.columns if c in entry)
            failures.append({"row_id": int(entry["row_id"]), "check_name": check.name,
                             "priority": check.priority, "expectation": expectation,
                             "reason": check.reason, "observed": observed[:500]})
    return failures, {"success": bool(result.success), "failed_expectations": failed}


def _record_run(con: duckdb.DuckDBPyConnection, run_id: str, suite: str, records: int,
                summary: dict[str, Any], unexpected: int, seconds: float) -> None:
    con.execute(
        "insert into audit.validation_run values (?, ?, ?, ?, ?, ?, ?, ?)",
        [run_id, suite, datetime.now(UTC), records, summary["success"], summary["failed_expectations"],
         unexpected, seconds],
    )


def _known_adcodes() -> list[str]:
    """County-level adcodes of the shipped reference table (transforms/reference/places.csv)."""
    import csv

    import transforms.reference

    path = Path(transforms.reference.__file__).with_name("places.csv")
    with open(path, encoding="utf-8", newline="") as fh:
        return sorted({row["adcode"] for row in csv.DictReader(fh) if row["level"] == "county"})


def validate_postings(con: duckdb.DuckDBPyConnection, run_id: str, as_of: date) -> dict[str, Any]:
    """Row-level suites (landing + normalised) on staging.posting_matched, then batch health.
    Writes staging.posting_check (record → failed check) and staging.batch_hold (batch → reason)."""
    started = time.monotonic()
    df = con.execute(
        """
        select row_number() over () - 1 as row_id, source, batch_id, record_index, ingest_error,
               source_record_id, content_hash, url,
               -- dates as day numbers: GX's date comparisons break on pandas 3 timestamps
               date_diff('day', {{ as_of }}::date, fetched_at::date) as fetched_days_ahead,
               title, length(title) as title_length, description_length,
               date_diff('day', {{ as_of }}::date, date_posted) as posted_days_ahead, date_posted_raw,
               date_diff('day', date '1970-01-01', date_posted) as posted_day,
               date_diff('day', date '1970-01-01', valid_through) as valid_through_day,
               salary_text, salary_min, salary_max,
               case when coalesce(salary_currency, 'CNY') = 'CNY'
                    then coalesce(salary_monthly_min, salary_monthly_max) end as salary_monthly_cny,
               employment_type, district_adcode, coord_status, address
        from staging.posting_matched
        """.replace("{{ as_of }}", f"'{as_of.isoformat()}'")
    ).df()
    docs = data_docs_dir()
    failures: list[dict[str, Any]] = []
    for suite, checks in (("landing", _landing_checks(as_of)),
                          ("normalised_postings", _posting_checks(as_of, _known_adcodes()))):
        suite_started = time.monotonic()
        rows, summary = run_suite(suite, df, checks) if len(df) else ([], {"success": True,
                                                                           "failed_expectations": []})
        failures.extend(rows)
        _record_run(con, run_id, suite, len(df), summary, len({r["row_id"] for r in rows}),
                    time.monotonic() - suite_started)
    checks = pd.DataFrame(failures, columns=["row_id", "check_name", "priority", "expectation", "reason",
                                             "observed"])
    checks = checks.merge(df[["row_id", "batch_id", "record_index", "ingest_error"]], on="row_id", how="left")
    ingest = checks["check_name"] == "landing_ingest_error"
    checks.loc[ingest, "reason"] = checks.loc[ingest, "ingest_error"]
    checks = checks[["batch_id", "record_index", "check_name", "priority", "expectation", "reason", "observed"]]
    con.execute("begin")
    con.execute(
        "create or replace table staging.posting_check (batch_id varchar, record_index bigint, check_name varchar,"
        " priority integer, expectation varchar, reason varchar, observed varchar)")
    if len(checks):
        con.execute("insert into staging.posting_check select * from checks")
    holds = batch_health(con)
    con.execute("commit")
    quarantined = int(checks[["batch_id", "record_index"]].drop_duplicates().shape[0])
    return {"records": len(df), "quarantined": quarantined, "held_batches": holds,
            "data_docs": str(docs / "index.html"), "seconds": round(time.monotonic() - started, 2)}


def batch_health(con: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    """Batch-level checks against each source's recent history; fills staging.batch_hold and
    staging.batch_profile. Released batches are exempt (a person looked at them)."""
    null_rates = ", ".join(f"avg(({c} is null)::int) as null_{c}" for c in PROFILED)
    con.execute(f"""
        create or replace table staging.batch_profile as
        select m.batch_id, any_value(m.source) as source, count(*) as records,
               count(*) filter (where c.batch_id is not null) as quarantined, {null_rates}
        from staging.posting_matched as m
        left join (select distinct batch_id, record_index from staging.posting_check) as c
            using (batch_id, record_index)
        group by m.batch_id
    """)
    history_nulls = ", ".join(f"avg(null_{c}) as hist_null_{c}" for c in PROFILED)
    jumps = " union all ".join(
        f"select batch_id, source, 'null_rate_jump' as check_name, "
        f"printf('{c} null rate %.0f%% against a recent %.0f%%', null_{c} * 100, hist_null_{c} * 100) as reason "
        f"from profiled where n_history >= {MIN_HISTORY} and null_{c} - hist_null_{c} > {NULL_JUMP}"
        for c in PROFILED)
    con.execute(f"""
        create or replace table staging.batch_hold as
        with recent as (
            select * from audit.batch_profile
            qualify row_number() over (partition by source order by processed_at desc) <= {HISTORY}
        ),
        history as (
            select source, count(*) as n_history, median(records) as median_records, {history_nulls}
            from recent group by source
        ),
        profiled as (
            select p.*, coalesce(h.n_history, 0) as n_history, h.median_records,
                   {", ".join(f"h.hist_null_{c}" for c in PROFILED)}
            from staging.batch_profile as p left join history as h using (source)
            where p.batch_id not in (select batch_id from audit.batch_release)
        ),
        repeated_key as (  -- cheap first pass (a count per key): only repeated keys are looked at closely
            select batch_id, source_record_id from staging.posting_matched
            where source_record_id is not null and batch_id in (select batch_id from profiled)
            group by all having count(*) > 1
        ),
        shared_key as (  -- one key, records that differ: not copies of one record
            select m.batch_id, m.source_record_id, count(*) as records,
                   count(distinct coalesce(m.url, '')) as urls, count(distinct m.content_hash) as contents,
                   list_sort(list_distinct(list(m.url)))[1:{SHOWN_URLS}] as some_urls
            from staging.posting_matched as m semi join repeated_key using (batch_id, source_record_id)
            group by m.batch_id, m.source_record_id
            having count(distinct coalesce(m.url, '')) > 1 or count(distinct m.content_hash) > 1
        ),
        broken_key as (
            select batch_id, count(*) as n_keys, sum(records) as n_records,
                   string_agg(printf('''%s'' on %d records (%d URLs, %d contents: %s)', source_record_id,
                                     records, urls, contents, array_to_string(some_urls, ' ')), '; '
                              order by records desc, source_record_id) filter (where key_rank <= {SHOWN_KEYS})
                       as shown
            from (select *, row_number() over (partition by batch_id order by records desc, source_record_id)
                            as key_rank from shared_key)
            group by batch_id
        ),
        failed as (
            select p.batch_id, p.source, 'broken_record_key' as check_name,
                   printf('%d records share %d source_record_id(s) but differ in URL or content, so they are '
                          || 'not copies of one record: %s%s', k.n_records, k.n_keys, k.shown,
                          case when k.n_keys > {SHOWN_KEYS}
                               then printf('; and %d more key(s)', k.n_keys - {SHOWN_KEYS}) else '' end) as reason
            from broken_key as k join profiled as p using (batch_id)
            union all
            select batch_id, source, 'quarantine_share' as check_name,
                   printf('%d of %d records quarantined (%.0f%% > {MAX_QUARANTINED * 100:.0f}%%)',
                          quarantined, records, quarantined * 100.0 / records) as reason
            from profiled where quarantined > {MAX_QUARANTINED} * records and records >= {MIN_SHARE_RECORDS}
            union all
            select batch_id, source, 'volume_drop',
                   printf('%d records against a recent median of %.0f (> {VOLUME_DROP * 100:.0f}%% drop)',
                          records, median_records)
            from profiled where n_history >= {MIN_HISTORY} and records < (1 - {VOLUME_DROP}) * median_records
            union all
            {jumps}
        )
        select batch_id, any_value(source) as source, string_agg(check_name, ',' order by check_name) as checks,
               string_agg(reason, '; ' order by check_name) as reason
        from failed group by batch_id
    """)
    return [dict(zip(("batch_id", "source", "checks", "reason"), r, strict=True))
            for r in con.execute("select batch_id, source, checks, reason from staging.batch_hold").fetchall()]


def validate_published(con: duckdb.DuckDBPyConnection, run_id: str, changed_jobs: str | None = None) -> dict[str, Any]:
    """The published suite, run inside the publish transaction: a failure aborts the publish.

    With ``changed_jobs`` (a query of job ids: the open jobs an incremental publish rewrote, and the
    jobs whose lineage rows it rewrote) only those rows go through the suite, since every other row
    passed it when it was published; job_id uniqueness, the one check spanning rows, is then also
    checked over the whole table (in SQL)."""
    started = time.monotonic()
    only = f"where j.job_id in ({changed_jobs})" if changed_jobs is not None else ""
    df = con.execute(
        f"""
        select row_number() over () - 1 as row_id, j.job_id, j.description,
               (select count(*) from published.job_sources s where s.job_id = j.job_id) as n_links
        from published.open_jobs as j
        {only}
        """
    ).df()
    failed: list[str] = []
    if changed_jobs is not None:
        duplicated = con.execute("select count(*) - count(distinct job_id) from published.open_jobs").fetchone()[0]
        if duplicated:
            failed.append(f"job_id_unique: {duplicated} duplicated job_id in published.open_jobs")
    if not len(df):
        summary: dict[str, Any] = {"success": not failed, "failed_expectations": failed}
    else:
        _, summary = run_suite("published", df, _published_checks())
        summary = {**summary, "success": summary["success"] and not failed,
                   "failed_expectations": list(summary["failed_expectations"]) + failed}
    seconds = time.monotonic() - started
    _record_run(con, run_id, "published", len(df), summary, 0, seconds)
    return {"records": len(df), **summary, "seconds": round(seconds, 2)}
