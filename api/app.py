"""The HTTP routes: the published pool as JSON, paged and filtered, one snapshot per response.

Every response names the snapshot it was read from (``snapshot`` in the body and the ``ETag`` header);
a client that sends ``If-None-Match`` with that ETag gets a 304 without a query being run, and one that
passes ``snapshot=<version>`` (or follows a ``next_cursor``, which carries it) keeps reading the version
it started on while publish moves ``current`` on. Mistakes in a request are 4xx with a JSON
``{"error": …}``; nothing a client sends reaches SQL except as a bound parameter. The routes are
synchronous on purpose: FastAPI runs them in its thread pool, and DuckDB releases the GIL while it works.
"""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

import duckdb
from fastapi import FastAPI, Path, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from api.jsonld import job_posting
from api.queries import (
    AREA_GROUPS,
    ID_RE,
    MAX_LIMIT,
    MAX_MINUTES,
    BadRequest,
    JobSearch,
    check_district,
    check_groups,
    check_point,
    check_text,
    check_town,
    check_types,
    cursor_version,
    decode_cursor,
    district_name,
    encode_cursor,
    fingerprint,
    job_summary,
    key_value,
)
from api.snapshots import Lease, SnapshotError, SnapshotPool
from landing.paths import Paths, paths

log = logging.getLogger("jobpool.api")
STATION_KINDS = ("employment_station", "gig_market", "community_point")
SnapshotParam = Annotated[str | None, Query(max_length=40, description=(
    "read this snapshot version (from an earlier response's `snapshot`) instead of the current one; "
    "410 once it is no longer served"))]
CursorParam = Annotated[str | None, Query(max_length=1000, description="`next_cursor` of the previous page")]


def _default(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    raise TypeError(type(value).__name__)


def reply(body: Any, version: str | None, status: int = 200, media_type: str = "application/json",
          pinned: bool = False) -> Response:
    """A JSON response stamped with its snapshot (ETag = the version: a snapshot never changes)."""
    headers: dict[str, str] = {}
    if version:
        headers["ETag"] = f'"{version}"'
        # the current snapshot changes with the next publish; a named one never does
        headers["Cache-Control"] = "public, max-age=86400, immutable" if pinned else "no-cache"
    if status == 304:  # Not Modified has no body
        return Response(status_code=304, headers=headers)
    content = json.dumps(body, ensure_ascii=False, default=_default, separators=(",", ":"))
    return Response(content, status_code=status, media_type=media_type, headers=headers)


def error(status: int, message: str, **extra: Any) -> Response:
    return reply({"error": message, "status": status, **extra}, None, status)


def not_modified(request: Request, version: str) -> bool:
    tags = request.headers.get("if-none-match")
    if not tags:
        return False
    wanted = {t.strip().removeprefix("W/") for t in tags.split(",")}
    return "*" in wanted or f'"{version}"' in wanted


def allow(request: Request, *names: str) -> None:
    """Unknown query parameters are a mistake worth telling (a misspelt filter would silently match all)."""
    unknown = sorted({k for k in request.query_params if k not in names})
    if unknown:
        raise BadRequest(f"unknown parameter(s) {', '.join(repr(u[:30]) for u in unknown[:5])}; "
                         f"this endpoint takes {', '.join(names)}", 400)


def create_app(root: Paths | None = None, pool: SnapshotPool | None = None) -> FastAPI:
    """The app over ``root``'s published snapshots (default: ``JOBPOOL_HOME``)."""
    root = root or paths()
    snapshots = pool or SnapshotPool(root.published)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        snapshots.close()

    app = FastAPI(title="JobPool read API", version="1", lifespan=lifespan, description=(
        "The city's published job pool, read-only: open jobs (schema.org JobPosting), employment "
        "stations, job-seeker matches by pseudonym and counts by area. Every response names its "
        "snapshot (`snapshot`, `ETag`); pass `snapshot=` to keep paging on it. docs/api.md."))
    app.state.snapshots = snapshots

    @contextmanager
    def pin(version: str | None) -> Iterator[Lease]:
        lease = snapshots.acquire(version)
        try:
            yield lease
        finally:
            lease.release()

    # -- errors: always JSON, never a traceback ------------------------------------------------------
    @app.exception_handler(BadRequest)
    async def _bad_request(_: Request, exc: BadRequest) -> Response:
        return error(exc.status, exc.message)

    @app.exception_handler(SnapshotError)
    async def _snapshot(_: Request, exc: SnapshotError) -> Response:
        return error(exc.status, exc.message)

    @app.exception_handler(RequestValidationError)
    async def _invalid(_: Request, exc: RequestValidationError) -> Response:
        problems = [{"parameter": ".".join(str(p) for p in e.get("loc", ())[1:]) or None, "problem": e.get("msg")}
                    for e in exc.errors()[:10]]
        text = "; ".join(f"{p['parameter']}: {p['problem']}" for p in problems)
        return error(422, f"invalid request: {text}", problems=problems)

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> Response:
        return error(exc.status_code, str(exc.detail))

    @app.exception_handler(duckdb.InterruptException)
    async def _timeout(_: Request, exc: duckdb.InterruptException) -> Response:
        return error(503, f"the query took longer than {snapshots.statement_timeout:g} s: narrow the filters")

    @app.exception_handler(Exception)
    async def _bug(_: Request, exc: Exception) -> Response:
        log.exception("unexpected error")
        return error(500, "internal error (logged on the server)")

    # -- routes ------------------------------------------------------------------------------------
    @app.get("/health", summary="The snapshot served now and its age")
    def health() -> Response:
        with pin(None) as lease:
            snap = lease.snapshot
            age = (datetime.now(UTC) - snap.published_at).total_seconds()
            body = {"status": "ok", "snapshot": lease.version, "published_at": snap.info["published_at"],
                    "age_seconds": round(age, 1), "open_jobs": snap.info["row_counts"].get("open_jobs"),
                    "published_current": snapshots.current_version(), "snapshots_open": snapshots.open_versions()}
            response = reply(body, lease.version)
            response.headers["Cache-Control"] = "no-store"
            return response

    def resolve(kind: str, fp: str, cursor: str | None, snapshot: str | None) -> tuple[str | None, list[Any] | None]:
        """The snapshot to pin (``snapshot=``, else the one the cursor pages, else current) and the cursor's key."""
        if not cursor:
            return snapshot, None
        version, after = decode_cursor(cursor, kind, fp)
        if snapshot and snapshot != version:
            raise BadRequest("cursor belongs to another snapshot than snapshot=", 400)
        return version, after

    def page_jobs(request: Request, lease: Lease, search: JobSearch, kind: str, fp: str, after: list[Any] | None,
                  pinned: bool, extra: dict[str, Any] | None = None) -> Response:
        if not_modified(request, lease.version):
            return reply(None, lease.version, 304)
        rows, next_key = lease.snapshot.index.page(search, after)  # in memory: api/index.py
        body: dict[str, Any] = {"snapshot": lease.version, **(extra or {}), "count": len(rows),
                                "next_cursor": encode_cursor(lease.version, kind, fp, next_key) if next_key else None,
                                "jobs": [job_summary(r, search.mode if search.near else None) for r in rows]}
        if search.near:
            body["near"] = {"latitude": search.near[0], "longitude": search.near[1], "mode": search.mode,
                            "minutes": search.minutes, "radius_km": round(search.radius_km, 3)}
        return reply(body, lease.version, pinned=pinned)

    JOB_FILTERS = ("district", "town", "employment_type", "short_term", "flexible", "temporary", "group",
                   "min_monthly_pay", "posted_since", "q", "mode", "minutes", "sort", "limit", "cursor", "snapshot")

    @app.get("/jobs", summary="Open jobs, filtered and paged (newest first, or nearest first)")
    def list_jobs(
        request: Request,
        district: Annotated[str | None, Query(max_length=12, description="district adcode, e.g. 370811")] = None,
        town: Annotated[str | None, Query(max_length=12, description="town/street adcode (9 digits)")] = None,
        employment_type: Annotated[str | None, Query(max_length=100, description=(
            "schema.org employmentType, or a comma list: FULL_TIME, PART_TIME, TEMPORARY, …"))] = None,
        short_term: Annotated[bool | None, Query(description="短时岗")] = None,
        flexible: Annotated[bool | None, Query(description="弹性岗")] = None,
        temporary: Annotated[bool | None, Query(description="临时岗")] = None,
        group: Annotated[str | None, Query(max_length=40, description=(
            "mother, senior, disabled (妈妈岗, 银龄岗, 助残岗); a comma list means all of them"))] = None,
        min_monthly_pay: Annotated[int | None, Query(ge=0, le=1_000_000, description=(
            "CNY a month the job pays at least at its top (salary_monthly_max, else min)"))] = None,
        posted_since: Annotated[date | None, Query(description="datePosted on or after (YYYY-MM-DD)")] = None,
        q: Annotated[str | None, Query(max_length=50, description="words in the title or employer")] = None,
        near: Annotated[str | None, Query(max_length=60, description="latitude,longitude (GCJ-02)")] = None,
        mode: Annotated[str, Query(max_length=10, description="walk or bike (with near)")] = "walk",
        minutes: Annotated[int, Query(ge=1, le=MAX_MINUTES, description="travel minutes (with near)")] = 15,
        sort: Annotated[Literal["date", "distance"], Query(description="date (newest first) or distance")] = "date",
        limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 20,
        cursor: CursorParam = None,
        snapshot: SnapshotParam = None,
    ) -> Response:
        if near is None:
            allow(request, *(p for p in JOB_FILTERS if p not in ("mode", "minutes")), "near")
        else:
            allow(request, *JOB_FILTERS, "near")
        district = check_district(district)
        search = JobSearch(district=district, town=check_town(town, district), types=check_types(employment_type),
                           short_term=short_term, flexible=flexible, temporary=temporary,
                           groups=check_groups(group), min_monthly_pay=min_monthly_pay, posted_since=posted_since,
                           terms=check_text(q), near=check_point(near), mode=mode, minutes=minutes, sort=sort,
                           limit=limit)
        fp = fingerprint({"kind": "jobs", **search.filters()})
        version, after = resolve("jobs", fp, cursor, snapshot)
        with pin(version) as lease:
            return page_jobs(request, lease, search, "jobs", fp, after, pinned=version is not None)

    @app.get("/jobs/{job_id}", summary="One open job as schema.org JobPosting JSON-LD, with its source copies")
    def get_job(request: Request, job_id: Annotated[str, Path(max_length=128)],
                snapshot: SnapshotParam = None) -> Response:
        allow(request, "snapshot")
        with pin(snapshot) as lease:
            if not ID_RE.match(job_id):
                raise BadRequest(f"no open job {job_id[:40]!r}", 404)
            if not_modified(request, lease.version):
                return reply(None, lease.version, 304)
            rows = lease.records("select * from open_jobs where job_id = ?", [job_id])
            if not rows:
                target = None
                if lease.snapshot.redirects:  # column names come from snapshots.REDIRECT_FROM/TO, not the client
                    src, dst = lease.snapshot.redirects
                    _, hit = lease.query(f"select {dst} from job_redirects where {src} = ? limit 1", [job_id])
                    target = hit[0][0] if hit else None
                if target and ID_RE.match(str(target)):
                    url = f"/jobs/{target}" + (f"?snapshot={lease.version}" if snapshot else "")
                    response = reply({"snapshot": lease.version, "redirect": url, "merged_into": target},
                                     lease.version, 308)
                    response.headers["Location"] = url
                    return response
                raise BadRequest(f"no open job {job_id!r} in snapshot {lease.version} (closed, or never one)", 404)
            sources = lease.records(
                "select source, source_record_id, url, match_rule, match_score, first_seen_at, last_seen_at "
                "from job_sources where job_id = ? order by source, source_record_id", [job_id])
            job = rows[0]
            body = job_posting(job, sources, district_name(job.get("district_adcode")))
            body["snapshot"] = lease.version
            return reply(body, lease.version, media_type="application/ld+json", pinned=snapshot is not None)

    @app.get("/stations", summary="Employment stations, ranked by the demand within 15 minutes by bike")
    def list_stations(
        request: Request,
        district: Annotated[str | None, Query(max_length=12)] = None,
        kind: Annotated[Literal["employment_station", "gig_market", "community_point"] | None, Query()] = None,
        limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 50,
        cursor: CursorParam = None,
        snapshot: SnapshotParam = None,
    ) -> Response:
        allow(request, "district", "kind", "limit", "cursor", "snapshot")
        district = check_district(district)
        fp = fingerprint({"district": district, "kind": kind})
        version, after = resolve("stations", fp, cursor, snapshot)
        with pin(version) as lease:
            if not_modified(request, lease.version):
                return reply(None, lease.version, 304)
            rows: list[dict[str, Any]] = []
            if "station_report" in lease.snapshot.tables:
                conds, params = ["true"], []
                if district:
                    conds.append("district_adcode = ?")
                    params.append(district)
                if kind:
                    conds.append("station_kind = ?")
                    params.append(kind)
                if after:
                    conds.append("(demand_rank, station_id) > (?, ?)")
                    params += [key_value(after[0], int), key_value(after[1], str)]
                rows = lease.records(
                    "select demand_rank, station_id, station_name, station_kind, is_demo, district_adcode, town, "
                    "latitude, longitude, open_jobs_bike, open_jobs_walk, seekers_bike, exclusive_jobs_bike "
                    f"from station_report where {' and '.join(conds)} order by demand_rank, station_id limit ?",
                    [*params, limit + 1])
            more = len(rows) > limit
            rows = rows[:limit]
            stations = [{"id": r["station_id"], "name": r["station_name"], "kind": r["station_kind"],
                         "is_demo": r["is_demo"], "district_adcode": r["district_adcode"],
                         "district": district_name(r["district_adcode"]), "town": r["town"],
                         "latitude": r["latitude"], "longitude": r["longitude"], "demand_rank": r["demand_rank"],
                         "open_jobs_bike": r["open_jobs_bike"], "open_jobs_walk": r["open_jobs_walk"],
                         "seekers_bike": r["seekers_bike"], "exclusive_jobs_bike": r["exclusive_jobs_bike"],
                         "jobs_url": f"/stations/{r['station_id']}/jobs"} for r in rows]
            next_cursor = (encode_cursor(lease.version, "stations", fp,
                                         [rows[-1]["demand_rank"], rows[-1]["station_id"]]) if more else None)
            return reply({"snapshot": lease.version, "count": len(stations), "next_cursor": next_cursor,
                          "stations": stations}, lease.version, pinned=version is not None)

    @app.get("/stations/{station_id}/jobs", summary="Open jobs within N minutes of a station (nearest first)")
    def station_jobs(
        request: Request,
        station_id: Annotated[str, Path(max_length=128)],
        employment_type: Annotated[str | None, Query(max_length=100)] = None,
        short_term: bool | None = None,
        flexible: bool | None = None,
        temporary: bool | None = None,
        group: Annotated[str | None, Query(max_length=40)] = None,
        min_monthly_pay: Annotated[int | None, Query(ge=0, le=1_000_000)] = None,
        posted_since: date | None = None,
        q: Annotated[str | None, Query(max_length=50)] = None,
        mode: Annotated[str, Query(max_length=10)] = "bike",
        minutes: Annotated[int, Query(ge=1, le=MAX_MINUTES)] = 15,
        sort: Literal["date", "distance"] = "distance",
        limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 20,
        cursor: CursorParam = None,
        snapshot: SnapshotParam = None,
    ) -> Response:
        allow(request, *(p for p in JOB_FILTERS if p not in ("district", "town")))
        if not ID_RE.match(station_id):
            raise BadRequest(f"no station {station_id[:40]!r}", 404)
        version = snapshot or (cursor_version(cursor) if cursor else None)  # the snapshot the cursor pages
        with pin(version) as lease:  # the station and its jobs from one snapshot
            found: list[dict[str, Any]] = []
            if "station_report" in lease.snapshot.tables:
                found = lease.records("select station_id, station_name, latitude, longitude from station_report "
                                      "where station_id = ?", [station_id])
            if not found or found[0]["latitude"] is None:
                raise BadRequest(f"no station {station_id!r} in snapshot {lease.version}", 404)
            station = found[0]
            search = JobSearch(types=check_types(employment_type), short_term=short_term, flexible=flexible,
                               temporary=temporary, groups=check_groups(group), min_monthly_pay=min_monthly_pay,
                               posted_since=posted_since, terms=check_text(q),
                               near=(station["latitude"], station["longitude"]), mode=mode, minutes=minutes,
                               sort=sort, limit=limit)
            kind = f"station:{station_id}"
            fp = fingerprint({"kind": kind, **search.filters()})
            _, after = resolve(kind, fp, cursor, lease.version if cursor else None)
            return page_jobs(request, lease, search, kind, fp, after, pinned=version is not None,
                             extra={"station": {"id": station["station_id"], "name": station["station_name"]}})

    @app.get("/seekers/{pseudonym}/matches", summary="A job seeker's matches (岗位雷达), by pseudonymous profile id")
    def seeker_matches(request: Request, pseudonym: Annotated[str, Path(max_length=64)],
                       snapshot: SnapshotParam = None) -> Response:
        allow(request, "snapshot")
        if not ID_RE.match(pseudonym):
            raise BadRequest("seekers are named by their pseudonymous profile_id (like p-0123456789abcdef)", 404)
        with pin(snapshot) as lease:
            if not_modified(request, lease.version):
                return reply(None, lease.version, 304)
            rows: list[dict[str, Any]] = []
            if "job_matches" in lease.snapshot.tables:
                rows = lease.records(
                    "select rank, score, job_id, title, employer_name, district_adcode, town, distance_km, mode, "
                    "travel_minutes, distance_score, title_score, salary_score, schedule_score, profile_group, "
                    "reasons, computed_at from job_matches where profile_id = ? order by rank", [pseudonym])
            if not rows:
                raise BadRequest(f"no matches for seeker {pseudonym!r} in snapshot {lease.version}", 404)
            matches = [{**r, "employer": r.pop("employer_name"), "url": f"/jobs/{r['job_id']}",
                        "district": district_name(r["district_adcode"])} for r in rows]
            return reply({"snapshot": lease.version, "profile_id": pseudonym, "count": len(matches),
                          "matches": matches}, lease.version, pinned=snapshot is not None)

    @app.get("/areas", summary="Open jobs counted by district × town × employment type × group")
    def areas(
        request: Request,
        district: Annotated[str | None, Query(max_length=12)] = None,
        town: Annotated[str | None, Query(max_length=12, description="town/street adcode (9 digits)")] = None,
        employment_type: Annotated[str | None, Query(max_length=100)] = None,
        group: Annotated[str | None, Query(max_length=20, description=", ".join(AREA_GROUPS))] = None,
        limit: Annotated[int, Query(ge=1, le=1000)] = 200,
        cursor: CursorParam = None,
        snapshot: SnapshotParam = None,
    ) -> Response:
        allow(request, "district", "town", "employment_type", "group", "limit", "cursor", "snapshot")
        district = check_district(district)
        town_row = check_town(town, district)
        types = check_types(employment_type)
        if group is not None and group not in AREA_GROUPS:
            raise BadRequest(f"group must be one of {', '.join(AREA_GROUPS)}")
        fp = fingerprint({"district": district, "town": town, "types": types, "group": group})
        version, after = resolve("areas", fp, cursor, snapshot)
        with pin(version) as lease:
            if not_modified(request, lease.version):
                return reply(None, lease.version, 304)
            conds, params = ["true"], []
            if district:
                conds.append("district_adcode = ?")
                params.append(district)
            if town_row:
                conds.append("district_adcode = ? and town = ?")
                params += [town_row["district_adcode"], town_row["name"]]
            if types:
                conds.append("employment_type in (" + ", ".join("?" for _ in types) + ")")
                params += types
            if group:
                conds.append("job_group = ?")
                params.append(group)
            if after:
                if len(after) != 4:
                    raise BadRequest("cursor is damaged: pass next_cursor from the previous page", 400)
                conds.append("(district_adcode, town, employment_type, job_group) > (?, ?, ?, ?)")
                params += [key_value(v, str) for v in after]
            rows = lease.records(
                "select district_adcode, town, employment_type, job_group, open_jobs from jobs_by_area "
                f"where {' and '.join(conds)} order by district_adcode, town, employment_type, job_group limit ?",
                [*params, limit + 1])
            more = len(rows) > limit
            rows = rows[:limit]
            last = rows[-1] if rows else None
            next_cursor = (encode_cursor(lease.version, "areas", fp, [last["district_adcode"], last["town"],
                                                                        last["employment_type"], last["job_group"]])
                           if more and last else None)
            cells = [{"district_adcode": r["district_adcode"], "district": district_name(r["district_adcode"]),
                      "town": r["town"], "employment_type": r["employment_type"], "group": r["job_group"],
                      "open_jobs": r["open_jobs"]} for r in rows]
            return reply({"snapshot": lease.version, "count": len(cells), "next_cursor": next_cursor,
                          "areas": cells}, lease.version, pinned=version is not None)

    return app


def serve(host: str = "127.0.0.1", port: int = 8000, workers: int = 1) -> None:
    """Run the API with uvicorn: requests run in its thread pool; ``workers`` > 1 starts that many
    processes on one port (each holds its own snapshots: more CPU for listings, more memory)."""
    import uvicorn

    if workers > 1:
        uvicorn.run("api.app:create_app", factory=True, host=host, port=port, workers=workers,
                    log_level="warning", access_log=False)
    else:
        uvicorn.run(create_app(), host=host, port=port, log_level="warning", access_log=False)
