"""The open jobs of one snapshot in memory, for the /jobs listings: numpy columns, newest first.

Why: a listing is a filter plus "the first 20 in some order". DuckDB answers it by scanning every open
job and keeping a top-N (16–120 ms a page at 730,000 jobs on the busy 2-core box, 700 ms with a text
filter: ``lower()`` on every title). A snapshot never changes, so its open jobs are loaded once, already
sorted newest first, with each filter column as a numpy array (adcodes and types as small integer
codes, text lowered once). A page then evaluates the filters chunk by chunk from the cursor's position
and stops when it has its rows: a common filter touches a few thousand rows, a rare one the whole
column once. Nearest-first pages take the rows in the circle's bounding box, then the exact distance
(``circle.geo.haversine_km``, the function the circle itself uses). The summary columns stay an Arrow
table to take the page's rows from. About 200 MB and 2 s to load per 730,000 jobs.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from api.queries import SUMMARY_COLUMNS, BadRequest, JobSearch, key_value
from circle import geo
from transforms.vocabulary import SPECIAL_GROUPS

FIRST_CHUNK = 8192
EPOCH = date(1970, 1, 1)


def _codes(column: pa.ChunkedArray) -> tuple[np.ndarray, dict[str, int]]:
    """Small integer codes (null: -1) and the value → code map."""
    encoded = column.combine_chunks().dictionary_encode()
    codes = pc.fill_null(pc.cast(encoded.indices, pa.int32()), -1).to_numpy(zero_copy_only=False)
    return codes.astype(np.int32), {v: i for i, v in enumerate(encoded.dictionary.to_pylist())}


def _rank(ids: pa.ChunkedArray) -> np.ndarray:
    """Rank of each id in sorted order (Arrow's sort: no Python objects, so loading holds the GIL little)."""
    order = pc.sort_indices(ids).to_numpy(zero_copy_only=False)
    rank = np.empty(len(order), dtype=np.int32)
    rank[order] = np.arange(len(order), dtype=np.int32)
    return rank


def _bools(column: pa.ChunkedArray) -> np.ndarray:
    return pc.fill_null(column, False).to_numpy(zero_copy_only=False).astype(bool)


def _floats(column: pa.ChunkedArray | pa.Array) -> np.ndarray:
    return pc.cast(column, pa.float64()).to_numpy(zero_copy_only=False).astype(float)


@dataclass
class JobIndex:
    table: pa.Table  # SUMMARY_COLUMNS, newest first (date_posted desc, job_id)
    rank: np.ndarray  # each job's place in job_id order (ties in distance are broken by id)
    district: np.ndarray
    districts: dict[str, int]
    town: np.ndarray
    towns: dict[str, int]
    etype: np.ndarray
    etypes: dict[str, int]
    cny: np.ndarray
    flags: dict[str, np.ndarray]
    pay: np.ndarray
    posted: np.ndarray  # days since 1970 (undated: 0, last)
    lat: np.ndarray
    lon: np.ndarray
    by_lat: np.ndarray  # row numbers by latitude (no coordinates last)
    lat_sorted: np.ndarray
    text: pa.Array  # title, unit separator, employer: lowered (a query word never holds the separator)

    @classmethod
    def load(cls, con: duckdb.DuckDBPyConnection) -> JobIndex:
        table = con.sql(f"select {', '.join(SUMMARY_COLUMNS)} from open_jobs "
                        "order by coalesce(date_posted, date '1970-01-01') desc, job_id").to_arrow_table()
        table = table.combine_chunks()
        district, districts = _codes(table["district_adcode"])
        town, towns = _codes(table["town"])
        etype, etypes = _codes(table["employment_type"])
        flags = {c: _bools(table[c]) for c in ("is_short_term", "is_flexible", "is_temporary",
                                                *(flag for flag, _ in SPECIAL_GROUPS.values()))}
        posted = pc.fill_null(pc.cast(table["date_posted"], pa.date32()), pa.scalar(EPOCH, pa.date32()))
        pay = pc.coalesce(table["salary_monthly_max"], table["salary_monthly_min"])
        lat = _floats(table["latitude"])
        by_lat = np.argsort(lat, kind="stable")  # NaN sorts last
        return cls(
            table=table, rank=_rank(table["job_id"]),
            district=district, districts=districts, town=town, towns=towns, etype=etype, etypes=etypes,
            cny=_bools(pc.equal(table["salary_currency"], "CNY")), flags=flags, pay=_floats(pay),
            posted=pc.cast(posted, pa.int32()).to_numpy(zero_copy_only=False).astype(np.int32),
            lat=lat, lon=_floats(table["longitude"]), by_lat=by_lat, lat_sorted=lat[by_lat],
            text=pc.utf8_lower(pc.binary_join_element_wise(pc.fill_null(table["title"], ""),
                                                           pc.fill_null(table["employer_name"], ""),
                                                           "\x1f")).combine_chunks(),
        )

    @property
    def size(self) -> int:
        return self.table.num_rows

    def _mask(self, s: JobSearch, rows: slice | np.ndarray) -> np.ndarray:
        """The rows (a range, or row numbers) that pass every filter but the distance."""
        n = (rows.stop - rows.start) if isinstance(rows, slice) else len(rows)
        keep = np.ones(n, dtype=bool)
        if s.district:
            keep &= self.district[rows] == self.districts.get(s.district, -2)
        if s.town:
            keep &= (self.district[rows] == self.districts.get(s.town["district_adcode"], -2)) & (
                self.town[rows] == self.towns.get(s.town["name"], -2))
        if s.types:
            keep &= np.isin(self.etype[rows], [self.etypes.get(t, -2) for t in s.types])
        for column, wanted in (("is_short_term", s.short_term), ("is_flexible", s.flexible),
                               ("is_temporary", s.temporary)):
            if wanted is not None:
                keep &= self.flags[column][rows] == wanted
        for group in s.groups:
            keep &= self.flags[SPECIAL_GROUPS[group][0]][rows]
        if s.min_monthly_pay is not None:
            with np.errstate(invalid="ignore"):
                keep &= self.cny[rows] & (self.pay[rows] >= s.min_monthly_pay)
        if s.posted_since is not None:
            keep &= self.posted[rows] >= (s.posted_since - EPOCH).days
        if s.terms and keep.any():
            text = self.text[rows] if isinstance(rows, slice) else self.text.take(pa.array(rows, type=pa.int64()))
            for term in s.terms:
                keep &= pc.match_substring(text, term).to_numpy(zero_copy_only=False)
        return keep

    def _near(self, s: JobSearch, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Of ``rows``, those within the circle, and their distances (km)."""
        assert s.near is not None
        dist = geo.haversine_km(s.near[0], s.near[1], self.lat[rows], self.lon[rows])
        inside = dist <= s.radius_km
        return rows[inside], dist[inside]

    def _box(self, s: JobSearch, rows: slice | None = None) -> np.ndarray:
        assert s.near is not None
        lat, lon = s.near
        dlat = s.radius_km / 111.0 * 1.01
        dlon = dlat / max(np.cos(np.radians(lat)), 0.01)
        la = self.lat if rows is None else self.lat[rows]
        lo = self.lon if rows is None else self.lon[rows]
        with np.errstate(invalid="ignore"):
            return (la >= lat - dlat) & (la <= lat + dlat) & (lo >= lon - dlon) & (lo <= lon + dlon)

    def _in_box(self, s: JobSearch) -> np.ndarray:
        """Row numbers inside the circle's bounding box: a latitude band by binary search, then longitude."""
        assert s.near is not None
        lat, lon = s.near
        dlat = s.radius_km / 111.0 * 1.01
        dlon = dlat / max(np.cos(np.radians(lat)), 0.01)
        lo, hi = np.searchsorted(self.lat_sorted, [lat - dlat, lat + dlat], side="left")
        band = self.by_lat[lo:hi]
        lons = self.lon[band]
        return np.sort(band[(lons >= lon - dlon) & (lons <= lon + dlon)])

    def page(self, s: JobSearch, after: list[Any] | None) -> tuple[list[dict[str, Any]], list[Any] | None]:
        """(the page's rows as dicts with ``distance_km``, the next cursor key or None)."""
        want = s.limit + 1
        if s.sort == "distance":
            cand = self._in_box(s)
            cand = cand[self._mask(s, cand)]
            cand, dist = self._near(s, cand)
            if after:
                d, last = key_value(after[0], float), key_value(after[1], str)
                later = dist > d
                tie = np.flatnonzero(dist == d)
                if len(tie):
                    tied_ids = self.table["job_id"].take(pa.array(cand[tie], type=pa.int64()))
                    later[tie] = pc.greater(tied_ids, last).to_numpy(zero_copy_only=False)
                cand, dist = cand[later], dist[later]
            if len(cand) > want:  # the nearest `want` (and any tied with the last) before the exact sort
                nth = np.partition(dist, want - 1)[want - 1]
                near = dist <= nth
                cand, dist = cand[near], dist[near]
            order = np.lexsort((self.rank[cand], dist))[:want]
            picked, dists = cand[order], dist[order]
        else:
            start = key_value(after[0], int) + 1 if after else 0
            if start < 0 or start > self.size:
                raise BadRequest("cursor is damaged: pass next_cursor from the previous page", 400)
            found: list[np.ndarray] = []
            found_d: list[np.ndarray] = []
            total, pos, chunk = 0, start, FIRST_CHUNK
            while pos < self.size and total < want:
                end = min(self.size, pos + chunk)
                span = slice(pos, end)
                keep = self._mask(s, span)
                if s.near is not None:
                    keep &= self._box(s, span)
                rows = np.flatnonzero(keep) + pos
                if s.near is not None:
                    rows, d = self._near(s, rows)
                else:
                    d = np.full(len(rows), np.nan)
                found.append(rows[:want - total])
                found_d.append(d[:want - total])
                total += len(found[-1])
                pos, chunk = end, chunk * 4
            picked = np.concatenate(found) if found else np.empty(0, dtype=np.int64)
            dists = np.concatenate(found_d) if found_d else np.empty(0)
        more = len(picked) > s.limit
        picked, dists = picked[:s.limit], dists[:s.limit]
        records = self.table.take(pa.array(picked, type=pa.int64())).to_pylist()
        for rec, d in zip(records, dists.tolist(), strict=True):
            rec["distance_km"] = None if d != d else d  # NaN: no point asked for
        if not more:
            return records, None
        if s.sort == "distance":
            return records, [float(dists[-1]), records[-1]["job_id"]]
        return records, [int(picked[-1])]
