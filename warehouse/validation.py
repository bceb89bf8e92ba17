"""Great Expectations on the normalised postings of a run.

The suite is code (versioned with the repo). Each expectation that fails names its records through
``unexpected_index_column_names`` (``row_id``), and those records become quarantine checks with the
expectation's name and the observed value; the rest of the batch goes on.
"""

from __future__ import annotations

import logging
import os
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import duckdb
import pandas as pd

EMPLOYMENT_TYPES = ["FULL_TIME", "PART_TIME", "CONTRACTOR", "TEMPORARY", "INTERN", "PER_DIEM", "OTHER"]
SUITE_NAME = "normalised_postings"


@dataclass(frozen=True)
class Check:
    """One expectation and what its failure means for a record."""

    name: str
    priority: int  # lower = reported first when a record fails several
    reason: str
    columns: tuple[str, ...]
    build: Any  # () -> gx Expectation


def _checks(as_of: date) -> list[Check]:
    import great_expectations as gx

    e = gx.expectations
    tomorrow = (as_of + timedelta(days=1)).isoformat()
    return [
        Check("ingest_error", 0, "the source could not read this record", ("ingest_error",),
              lambda: e.ExpectColumnValuesToBeNull(column="ingest_error")),
        Check("title_present", 1, "title is missing", ("title",),
              lambda: e.ExpectColumnValuesToNotBeNull(column="title")),
        Check("description_present", 2, "description is missing or empty", ("description_length",),
              lambda: e.ExpectColumnValuesToBeBetween(column="description_length", min_value=1)),
        Check("date_posted_not_future", 3, "datePosted is in the future", ("date_posted_iso",),
              lambda: e.ExpectColumnValuesToBeBetween(column="date_posted_iso", max_value=tomorrow)),
        Check("salary_min_le_max", 4, "salary minimum exceeds maximum",
              ("salary_min", "salary_max"),
              lambda: e.ExpectColumnPairValuesAToBeGreaterThanB(
                  column_A="salary_max", column_B="salary_min", or_equal=True,
                  ignore_row_if="either_value_is_missing")),
        Check("employment_type_enum", 5, "employmentType outside the schema.org enumeration",
              ("employment_type",),
              lambda: e.ExpectColumnValuesToBeInSet(column="employment_type", value_set=EMPLOYMENT_TYPES)),
        Check("district_adcode_form", 6, "district adcode is not 6 digits", ("district_adcode",),
              lambda: e.ExpectColumnValuesToMatchRegex(column="district_adcode", regex=r"^\d{6}$")),
    ]


def _quiet_gx() -> None:
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")
    logging.getLogger("great_expectations").setLevel(logging.ERROR)


def run_suite(df: pd.DataFrame, as_of: date) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Validate ``df`` (must have ``row_id``); returns failing (row_id, check) rows and a summary."""
    _quiet_gx()
    import great_expectations as gx

    context = gx.get_context(mode="ephemeral")
    try:
        context.variables.progress_bars = {"globally": False}
    except Exception:  # older/newer config shapes: progress bars are cosmetic
        pass
    asset = context.data_sources.add_pandas("staging").add_dataframe_asset("posting_normalised")
    batch_definition = asset.add_batch_definition_whole_dataframe("run")
    checks = _checks(as_of)
    suite = context.suites.add(gx.ExpectationSuite(name=SUITE_NAME))
    by_type: dict[str, Check] = {}
    for check in checks:
        expectation = check.build()
        expectation.meta = {"check": check.name}
        suite.add_expectation(expectation)
        by_type[check.name] = check
    definition = context.validation_definitions.add(
        gx.ValidationDefinition(name=SUITE_NAME, data=batch_definition, suite=suite)
    )
    result = definition.run(
        batch_parameters={"dataframe": df},
        result_format={"result_format": "COMPLETE", "unexpected_index_column_names": ["row_id"]},
    )
    failures: list[dict[str, Any]] = []
    failed: list[str] = []
    for item in result.results:
        check = by_type[item.expectation_config.meta["check"]]
        if item.success:
            continue
        failed.append(check.name)
        for entry in item.result.get("unexpected_index_list") or []:
            observed = {c: entry.get(c) for c in check.columns if c in entry}
            failures.append({
                "row_id": int(entry["row_id"]), "check_name": check.name, "priority": check.priority,
                "reason": check.reason,
                "observed": ", ".join(f"{k}={v}" for k, v in observed.items()),
            })
    return failures, {"success": bool(result.success), "failed_expectations": failed}


def validate_postings(con: duckdb.DuckDBPyConnection, run_id: str, as_of: date) -> dict[str, Any]:
    """Validate staging.posting_matched; write staging.posting_check and audit.validation_run."""
    started = time.monotonic()
    df = con.execute(
        "select row_number() over () - 1 as row_id, batch_id, record_index, ingest_error, title, "
        "description_length, strftime(date_posted, '%Y-%m-%d') as date_posted_iso, salary_min, "
        "salary_max, employment_type, district_adcode from staging.posting_matched"
    ).df()
    failures, summary = run_suite(df, as_of) if len(df) else ([], {"success": True, "failed_expectations": []})
    checks = pd.DataFrame(failures, columns=["row_id", "check_name", "priority", "reason", "observed"])
    keys = df[["row_id", "batch_id", "record_index", "ingest_error"]]
    checks = checks.merge(keys, on="row_id", how="left")
    ingest = checks["check_name"] == "ingest_error"
    checks.loc[ingest, "reason"] = checks.loc[ingest, "ingest_error"]
    checks = checks[["batch_id", "record_index", "check_name", "priority", "reason", "observed"]]
    con.execute("begin")
    con.execute(
        "create or replace table staging.posting_check (batch_id varchar, record_index bigint, "
        "check_name varchar, priority integer, reason varchar, observed varchar)"
    )
    if len(checks):
        con.execute("insert into staging.posting_check select * from checks")
    seconds = time.monotonic() - started
    unexpected = int(checks[["batch_id", "record_index"]].drop_duplicates().shape[0])
    con.execute(
        "insert into audit.validation_run values (?, ?, ?, ?, ?, ?, ?, ?)",
        [run_id, SUITE_NAME, datetime.now(UTC), len(df), summary["success"],
         summary["failed_expectations"], unexpected, seconds],
    )
    con.execute("commit")
    return {"records": len(df), "quarantined": unexpected, **summary, "seconds": round(seconds, 2)}
