"""Reference data for the 15-minute circle: Jining's towns and communities, service stations, and the
feeds (stations, job-seeker profiles) that land through the landing contract but are not postings.

* Towns (乡镇/街道, 153) come from ``transforms/reference/places.csv``.
* Communities (社区/居委会 and urban villages, 645) come from ``transforms/reference/jining_communities.csv``,
  derived from Vonng/adcode (https://github.com/Vonng/adcode, data/adcode/3708*.csv, commit b755d6e),
  © Vonng, CC BY 4.0 (https://creativecommons.org/licenses/by/4.0/). Changes: village-level rows kept
  when named 社区/居委会 or urban (ur_code 11x); codes kept, town code cut to 9 digits; coordinates only
  where upstream has them (69). Rebuild: ``python -m circle.reference --build-communities``.
* Stations: only those a deployment lands with a mapping whose ``kind = "stations"`` (:data:`FEEDS`);
  none by default. The demo lands its own labelled list the same way (``demo/stations.py``).

Why a separate kind: a profile or station batch is landed exactly like a partner's postings (same
``BatchWriter``, same manifest, same once-only batch id), but its manifest ``kind`` keeps it out of the
job pipeline (``warehouse.steps.stage`` skips these kinds); :func:`load_reference_batches` is its own
processing step, run inside ``publish``.
"""

from __future__ import annotations

import argparse
import csv
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb

from landing.contract import BatchWriter, feed_batch_id, file_sha256, read_manifest
from landing.paths import Paths, paths, shared_data_dir

REFERENCE_DIR = Path(__file__).resolve().parents[1] / "transforms" / "reference"
PLACES_CSV = REFERENCE_DIR / "places.csv"
COMMUNITIES_CSV = REFERENCE_DIR / "jining_communities.csv"
FENCES_JSON = REFERENCE_DIR / "jining_fences.json"
#: mappings for reference feeds (same format as feeds/partners.toml, plus ``kind``)
FEEDS = Path(__file__).with_name("reference_feeds.toml")
REFERENCE_KINDS = ("profile", "stations")
STATION_KINDS = {"employment_station": "就业驿站", "gig_market": "零工市场", "community_point": "社区就业服务点"}
CITY = "370800"
#: Jining's bounding box with a margin: coordinates outside it are rejected, not matched
BBOX = (115.8, 34.4, 117.7, 36.05)


def in_jining(lat: float | None, lon: float | None) -> bool:
    return lat is not None and lon is not None and BBOX[1] <= lat <= BBOX[3] and BBOX[0] <= lon <= BBOX[2]


# -- towns and communities -------------------------------------------------------------------------
def towns() -> list[dict[str, Any]]:
    """Jining's towns/streets: adcode (9 digits), name, short, district_adcode, latitude, longitude."""
    out = []
    with open(PLACES_CSV, encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            if row["level"] == "town" and row["adcode"].startswith("3708") and row["latitude"]:
                out.append({"adcode": row["adcode"], "name": row["name"], "short": row["short"],
                            "aliases": row["aliases"], "district_adcode": row["parent"],
                            "latitude": float(row["latitude"]), "longitude": float(row["longitude"])})
    return out


def districts() -> dict[str, dict[str, Any]]:
    """Jining's districts/counties by adcode: name and seat coordinates."""
    out = {}
    with open(PLACES_CSV, encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            if row["level"] == "county" and row["parent"] == CITY:
                out[row["adcode"]] = {"name": row["name"], "latitude": float(row["latitude"]),
                                      "longitude": float(row["longitude"])}
    return out


def fences() -> dict[str, Any]:
    return json.loads(FENCES_JSON.read_text(encoding="utf-8"))


def communities() -> list[dict[str, Any]]:
    """Jining's communities: code (12 digits), name, town_adcode, ur_code, latitude/longitude or None."""
    out = []
    with open(COMMUNITIES_CSV, encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            out.append({**row, "latitude": float(row["latitude"]) if row["latitude"] else None,
                        "longitude": float(row["longitude"]) if row["longitude"] else None})
    return out


def build_communities(shared: Path | None = None) -> list[dict[str, str]]:
    """Communities from the Vonng/adcode county files (read-only shared data)."""
    folder = (shared or shared_data_dir()) / "geo" / "vonng_adcode"
    rows = []
    for path in sorted(folder.glob("3708*.csv")):
        with open(path, encoding="utf-8", newline="") as fh:
            for rec in csv.reader(fh):
                code, parent, name, level, ur_code, lon, lat = rec[0], rec[1], rec[2], rec[3], rec[8], rec[12], rec[13]
                if level != "village":
                    continue
                if not (any(w in name for w in ("社区", "居委会", "居民委员会")) or ur_code.startswith("11")):
                    continue
                rows.append({"code": code, "name": name, "town_adcode": parent[:9], "ur_code": ur_code,
                             "longitude": lon, "latitude": lat})
    rows.sort(key=lambda r: r["code"])
    return rows


def write_communities(shared: Path | None = None, dest: Path = COMMUNITIES_CSV) -> int:
    rows = build_communities(shared)
    with open(dest, "w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=["code", "name", "town_adcode", "ur_code", "longitude", "latitude"],
                                lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return len(rows)


# -- landing reference feeds -----------------------------------------------------------------------
def ingest_reference(path: Path, source: str, mapping: Path | None = None,
                     root: Paths | None = None) -> dict[str, Any]:
    """Land a stations or profiles file through the landing contract with its mapping's ``kind``.
    The same bytes land once (batch id from the checksum), like any partner file."""
    from feeds.base import load_spec
    from feeds.ingest import READERS

    root = root or paths()
    path = Path(path)
    spec = load_spec(source, None, mapping or FEEDS)
    kind = spec.options.get("kind")
    if kind not in REFERENCE_KINDS:
        raise ValueError(f"mapping for {source} must set kind to one of {REFERENCE_KINDS}, not {kind!r}")
    checksum = file_sha256(path)
    writer = BatchWriter(source=source, kind=kind, batch_id=feed_batch_id(source, checksum), root=root,
                         origin={"file": path.name, "sha256": checksum, "format": spec.format})
    if writer.already_landed():
        return {"source": source, "status": "duplicate", "batch_id": writer.batch_id, "records": 0}
    with writer:
        writer.extend(READERS[spec.format](path, spec))
    return {"source": source, "status": "landed", "batch_id": writer.batch_id, "records": writer.count,
            "kind": kind}


def pending_reference_batches(con: duckdb.DuckDBPyConnection, root: Paths) -> list[dict[str, Any]]:
    done = {r[0] for r in con.execute("select batch_id from audit.reference_batch").fetchall()}
    return [r for r in read_manifest(root) if r.get("kind") in REFERENCE_KINDS and r["batch_id"] not in done]


def iter_records(row: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """A landed reference batch's records: id, fetched_at and the mapped values (``extra``)."""
    import pyarrow.parquet as pq

    table = pq.read_table(row["abs_path"], columns=["record_index", "source_record_id", "fetched_at", "extra",
                                                    "ingest_error"])
    for rec in table.to_pylist():
        values = json.loads(rec["extra"]) if rec["extra"] else {}
        yield {"record_index": rec["record_index"], "source_record_id": rec["source_record_id"],
               "fetched_at": rec["fetched_at"], "ingest_error": rec["ingest_error"], **values}


def _float(value: Any) -> float | None:
    try:
        out = float(value)
    except (TypeError, ValueError):
        return None
    return out if out == out else None


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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--build-communities", action="store_true", help="rewrite jining_communities.csv")
    parser.add_argument("--shared", type=Path, default=None)
    args = parser.parse_args(argv)
    if args.build_communities:
        print(f"{write_communities(args.shared)} communities written to {COMMUNITIES_CSV}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
