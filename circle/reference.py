"""The circle's reference batches → core, once: stations and job-seeker profiles land through the
landing contract like any partner file (``feeds/reference.py``, manifest kind ``stations`` or
``profile``), which keeps them out of the job pipeline (``warehouse.steps.stage`` skips these kinds);
:func:`load_reference_batches` is their own step, run inside ``publish``.

Stations: only those a deployment lands with a mapping whose ``kind = "stations"``; none by default.
The demo lands its own labelled list the same way (``demo/stations.py``). Towns, districts and
communities are the vocabulary's (``transforms/vocabulary.py``).
"""

from __future__ import annotations

from typing import Any

import duckdb

from circle.landed import _float, iter_records
from landing.contract import REFERENCE_KINDS, read_manifest
from landing.paths import Paths, paths
from transforms.vocabulary import in_jining

STATION_KINDS = {"employment_station": "就业驿站", "gig_market": "零工市场", "community_point": "社区就业服务点"}


def pending_reference_batches(con: duckdb.DuckDBPyConnection, root: Paths) -> list[dict[str, Any]]:
    done = {r[0] for r in con.execute("select batch_id from audit.reference_batch").fetchall()}
    return [r for r in read_manifest(root) if r.get("kind") in REFERENCE_KINDS and r["batch_id"] not in done]


def _flag(value: Any) -> bool:
    """A yes/no column of a feed (the demo's stations say 是 to ``is_demo``); missing means no."""
    return str(value or "").strip().lower() in ("1", "true", "yes", "y", "是")


def station_rows(row: dict[str, Any]) -> tuple[list[tuple[Any, ...]], int]:
    """core.station rows from one landed stations batch; (rows, rejected)."""
    kinds = {**{k: k for k in STATION_KINDS}, **{v: k for k, v in STATION_KINDS.items()},
             "就业服务站": "employment_station", "零工驿站": "gig_market", "社区": "community_point"}
    out, rejected = [], 0
    for rec in iter_records(row):
        lat, lon = _float(rec.get("latitude")), _float(rec.get("longitude"))
        kind = kinds.get((rec.get("kind") or "").strip())
        if rec["ingest_error"] or not rec.get("source_record_id") or not in_jining(lat, lon) or kind is None:
            rejected += 1
            continue
        out.append((f"{row['source']}:{rec['source_record_id']}", rec.get("name"), kind, rec.get("district_adcode"),
                    rec.get("town"), rec.get("address"), lat, lon, row["source"], _flag(rec.get("is_demo")),
                    rec["fetched_at"]))
    return out, rejected


def load_reference_batches(con: duckdb.DuckDBPyConnection, root: Paths | None = None) -> dict[str, int]:
    """The reference step: every landed stations/profiles batch not yet loaded → core, once.
    Runs inside the caller's transaction (publish), so a failure loads nothing."""
    from circle.profiles import profile_rows

    root = root or paths()
    counts = {"stations": 0, "profiles": 0, "rejected": 0, "batches": 0}
    for row in pending_reference_batches(con, root):
        if row["kind"] == "stations":
            rows, rejected = station_rows(row)
            con.executemany("insert or replace into core.station values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
            counts["stations"] += len(rows)
        else:
            rows, rejected = profile_rows(row)
            con.executemany("insert or replace into core.profile (profile_id, source, source_record_id, skills, "
                            "desired_titles, trades, kw_mask, salary_expected, hours, profile_group, mode, minutes, "
                            "home_lat, home_lon, content_hash, updated_at) "
                            "values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
            counts["profiles"] += len(rows)
        counts["rejected"] += rejected
        counts["batches"] += 1
        con.execute("insert or replace into audit.reference_batch values (?, ?, ?, ?, ?, ?, now())",
                    [row["batch_id"], row["source"], row["kind"], row["record_count"], len(rows), rejected])
    return counts


def drop_legacy_demo_stations(con: duckdb.DuckDBPyConnection) -> int:
    """Remove the demo stations earlier versions put into every deployment's ``core.station`` (source
    'demo', ids 'demo-…'). Stations now come only from landed stations feeds; the demo lands its own list
    as one (``demo.stations``), whose ids carry the feed's prefix ('stations_demo:…')."""
    where = "where source = 'demo' and station_id like 'demo-%'"
    n = con.execute(f"select count(*) from core.station {where}").fetchone()[0]
    if n:
        con.execute(f"delete from core.station {where}")
    return n
