"""Job radar (岗位雷达): rank open jobs for each job seeker by a transparent score.

A match needs three things: the job is inside the seeker's circle (15 minutes by their mode), the job's
trade is one the seeker wants (title keywords → a trade, :data:`TRADES`), and it has coordinates.
Among those, the score (0–100) adds four visible parts::

    distance  40 × (1 − km / radius)
    title     30 × (1.0 when a keyword of the seeker's titles/skills is in the job title, else 0.6)
    salary    20 × (1 when monthly pay ≥ expectation; falls to 0 at half of it; 0.5 when unknown)
    schedule  10 × (group fit: 妈妈岗/银龄岗/助残岗 for mothers/seniors/disabled; else hours fit)

Why set-based: 350,000 seekers × 680,000 jobs must finish in minutes, so nothing compares every pair.
Seekers and jobs get H3 cells (:mod:`circle.geo`); one DuckDB join over (covering cell, trade)
yields the candidate pairs, an exact haversine cuts them to the circle, and ``max_by(…, n)`` keeps the
top N per seeker. Keywords are bits of a 128-bit integer mask, so "title matches" is one AND per pair; the
reasons text is written only for the N survivors.
"""

from __future__ import annotations

import hashlib
import re
import time
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa

from circle import geo

#: trade → title keywords, in priority order (first trade whose keyword occurs in a title wins):
#: 叉车司机 is a 技工 job, 快递分拣员 a 分拣装卸 one, 母婴护理师 家政 rather than 护理.
TRADES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("家政", ("月嫂", "母婴", "育婴", "育儿嫂", "保姆", "家政")),
    ("技工", ("叉车", "焊工", "电焊", "电工", "维修", "钳工", "木工", "瓦工")),
    ("分拣装卸", ("分拣", "装卸", "搬运")),
    ("配送", ("骑手", "外卖", "配送", "送餐", "快递员", "跑腿")),
    ("收银", ("收银",)),
    ("理货", ("理货", "上架")),
    ("保洁", ("保洁", "清洁", "环卫")),
    ("后厨", ("厨师", "炒锅", "炒菜", "洗碗", "帮厨", "后厨", "面点")),
    ("餐饮服务", ("服务员", "传菜", "迎宾")),
    ("保安门卫", ("保安", "安保", "门卫", "门岗", "值班")),
    ("普工", ("普工", "操作工", "包装", "流水线", "质检")),
    ("仓管", ("仓库", "库管", "仓管")),
    ("销售", ("销售", "业务员", "导购", "促销")),
    ("客服", ("客服", "话务")),
    ("财务文员", ("会计", "出纳", "文员", "财务")),
    ("教育", ("老师", "教师", "家教", "托管")),
    ("社区服务", ("网格员", "社区")),
    ("护理", ("护理", "护工", "养老")),
    ("农业", ("采摘", "采收", "种植", "养殖")),
    ("司机", ("司机", "驾驶员")),
)
KEYWORDS: tuple[str, ...] = tuple(k for _, words in TRADES for k in words)
assert len(KEYWORDS) <= 127, "keyword bits must fit a HUGEINT mask"
WEIGHTS = {"distance": 40.0, "title": 30.0, "salary": 20.0, "schedule": 10.0}
TOP_N = 10
GROUPS = {"mother": "妈妈岗", "senior": "银龄岗", "disabled": "助残岗"}
GROUP_REASONS = {"mother": "妈妈岗 fits school hours", "senior": "银龄岗 open to older workers",
                 "disabled": "助残岗 disability friendly"}


def trade_of(title: str | None) -> str | None:
    """The trade a title belongs to (first matching trade), or None."""
    if not title:
        return None
    for trade, words in TRADES:
        if any(w in title for w in words):
            return trade
    return None


def keyword_mask(texts: list[str] | str | None) -> int:
    """Bit i set when KEYWORDS[i] occurs in any of the texts (or a text occurs in the keyword)."""
    if not texts:
        return 0
    items = [texts] if isinstance(texts, str) else texts
    mask = 0
    for i, kw in enumerate(KEYWORDS):
        if any(kw in t or (len(t) >= 2 and t in kw) for t in items if t):
            mask |= 1 << i
    return mask


def trades_of(texts: list[str]) -> list[str]:
    """Trades wanted by a seeker's titles/skills (each text's own trade), sorted, no duplicates."""
    return sorted({t for t in (trade_of(x) for x in texts) if t})


def trade_sql(column: str) -> str:
    """SQL CASE giving the trade of a title column (same rule as :func:`trade_of`)."""
    whens = " ".join(
        f"when regexp_matches({column}, '{'|'.join(map(re.escape, words))}') then '{trade}'" for trade, words in TRADES)
    return f"(case {whens} end)"


def mask_sql(column: str) -> str:
    """SQL giving the keyword bit mask of a title column (same bits as :func:`keyword_mask`)."""
    parts = [f"(case when contains({column}, '{kw}') then {1 << i}::hugeint else 0::hugeint end)"
             for i, kw in enumerate(KEYWORDS)]
    return "(" + " | ".join(parts) + ")"


def params_hash(top_n: int = TOP_N) -> str:
    """Changes when anything that shapes a score changes: then every seeker is recomputed."""
    blob = repr((WEIGHTS, TRADES, sorted(geo.speeds().items()), top_n))
    return hashlib.sha256(blob.encode()).hexdigest()[:16]


# -- preparing inputs ------------------------------------------------------------------------------
def add_cells(con: duckdb.DuckDBPyConnection, table: str, id_col: str, lat_col: str, lon_col: str,
              res: int, out: str) -> None:
    """``out`` (id, cell): the H3 cell of each row of ``table`` (computed in numpy, joined back)."""
    arrow = con.sql(f"select {id_col} as id, {lat_col} as lat, {lon_col} as lon from {table}").to_arrow_table()
    lat = arrow["lat"].to_numpy(zero_copy_only=False).astype(float)
    lon = arrow["lon"].to_numpy(zero_copy_only=False).astype(float)
    cell_tbl = pa.table({"id": arrow["id"], "cell": pa.array(geo.cells(lat, lon, res), pa.uint64())})  # noqa: F841
    con.execute(f"create or replace temp table {out} as select id, cell from cell_tbl")


def add_disks(con: duckdb.DuckDBPyConnection, origins_sql: str, out: str) -> None:
    """``out`` (origin, radius_km, cell): the covering disk of each distinct (cell, radius)."""
    rows = con.execute(f"select distinct origin, radius_km from ({origins_sql}) where origin <> 0").fetchall()
    left, rad, right = [], [], []
    for origin, radius in rows:
        ring = geo.disk(int(origin), float(radius))
        left.extend([origin] * len(ring))
        rad.extend([float(radius)] * len(ring))
        right.extend(ring)
    disk_tbl = pa.table({"origin": pa.array(left, pa.uint64()), "radius_km": pa.array(rad, pa.float64()),  # noqa: F841
                         "cell": pa.array(np.array(right, dtype=np.uint64), pa.uint64())})
    con.execute(f"create or replace temp table {out} as select * from disk_tbl")


def job_features_sql(jobs_sql: str) -> str:
    """Jobs with coordinates (from ``jobs_sql``, core.job's columns) → the fields a match reads:
    trade, keyword mask, monthly pay, employment type and flags."""
    return f"""
        select job_id, latitude, longitude, title,
               {trade_sql('title')} as trade, {mask_sql('title')} as kw_mask,
               coalesce(salary_monthly_max, salary_monthly_min) as monthly_pay,
               employment_type, coalesce(is_short_term, false) as is_short_term,
               coalesce(is_flexible, false) as is_flexible, coalesce(is_temporary, false) as is_temporary,
               coalesce(is_daily_pay, false) as is_daily_pay, coalesce(for_mothers, false) as for_mothers,
               coalesce(for_seniors, false) as for_seniors, coalesce(for_disabled, false) as for_disabled
        from ({jobs_sql}) where latitude is not null and longitude is not null"""


def index_jobs(con: duckdb.DuckDBPyConnection, features: str, cells: str, out: str = "m_job") -> int:
    """``out``: the jobs of ``features`` that have a trade, with H3 cells at every resolution the search
    may use (``cell6`` … ``cell10``, parents of ``cells``' fine cell) and a dense index ``jidx``."""
    geo.register_duckdb(con)
    parents = ", ".join(f"h3_parent(c.cell, {r}) as cell{r}" for r in geo.RESOLUTIONS)
    con.execute(f"create or replace temp table {out} as select s.*, {parents}, "
                f"(row_number() over (order by s.job_id))::integer as jidx from {features} s "
                f"join {cells} c on c.id = s.job_id where s.trade is not null")
    return con.execute(f"select count(*) from {out}").fetchone()[0]


def prepare_jobs(con: duckdb.DuckDBPyConnection, jobs_sql: str, out: str = "m_job") -> int:
    """Jobs with coordinates → ``out`` with trade, keyword mask, monthly pay, a dense index ``jidx`` and
    H3 cells at every resolution the search may use (``cell6`` … ``cell10``)."""
    con.execute(f"create or replace temp table {out}_src as {job_features_sql(jobs_sql)}")
    add_cells(con, f"{out}_src", "job_id", "latitude", "longitude", geo.FINE_RES, f"{out}_cell")
    count = index_jobs(con, f"{out}_src", f"{out}_cell", out)
    con.execute(f"drop table {out}_src; drop table {out}_cell")
    return count


def prepare_profiles(con: duckdb.DuckDBPyConnection, profiles_sql: str, out: str = "m_prof") -> int:
    """Seekers → ``out`` with radius (by mode and minutes) and their H3 cell at the finest resolution."""
    table = geo.speeds()
    speed_case = "case mode " + " ".join(f"when '{m}' then {v}" for m, v in table.items()) + " end"
    con.execute(f"""
        create or replace temp table {out}_src as
        select profile_id, home_lat, home_lon, mode, round({speed_case} * minutes / 60.0, 6) as radius_km,
               trades, kw_mask, salary_expected, profile_group, hours
        from ({profiles_sql}) where home_lat is not null and home_lon is not null and len(trades) > 0""")
    add_cells(con, f"{out}_src", "profile_id", "home_lat", "home_lon", geo.FINE_RES, f"{out}_cell")
    con.execute(f"create or replace temp table {out} as select s.*, c.cell as cell_fine from {out}_src s "
                f"join {out}_cell c on c.id = s.profile_id")
    con.execute(f"drop table {out}_src; drop table {out}_cell")
    return con.execute(f"select count(*) from {out}").fetchone()[0]


# -- scoring ---------------------------------------------------------------------------------------
SCHEDULE_SQL = """
    case p.profile_group
        when 'mother' then case when j.for_mothers then 1.0 when j.is_short_term or j.is_flexible then 0.6 else 0.2 end
        when 'senior' then case when j.for_seniors then 1.0
                                when j.is_short_term or j.is_flexible or j.is_temporary then 0.5 else 0.2 end
        when 'disabled' then case when j.for_disabled then 1.0 else 0.2 end
        else case p.hours
            when 'full' then case when j.employment_type = 'FULL_TIME' then 1.0 else 0.5 end
            when 'part' then case when j.employment_type = 'PART_TIME' or j.is_short_term or j.is_flexible
                                  then 1.0 else 0.3 end
            when 'flexible' then case when j.is_flexible or j.is_daily_pay or j.is_temporary or j.is_short_term
                                      then 1.0 else 0.4 end
            else 0.7 end
    end"""


KEY_SHIFT = 24  # sort key = rounded score (1e-4) << 24 | (2^24 - 1 - job index): ties go to the lower index
SCORE_SCALE = 10_000


def _parts_sql() -> str:
    """Score parts for a pair (aliases p = seeker, j = job, x = distance_km)."""
    return f"""
               (case when (p.kw_mask & j.kw_mask) <> 0 then 1.0 else 0.6 end)::double as title_score,
               case when j.monthly_pay is null or p.salary_expected is null then 0.5
                    when j.monthly_pay >= p.salary_expected then 1.0
                    else greatest(0.0, (j.monthly_pay / p.salary_expected - 0.5) * 2) end as salary_score,
               ({SCHEDULE_SQL})::double as schedule_score"""


def _score_sql(prefix: str = "") -> str:
    w = WEIGHTS
    return (f"{w['distance']} * (1 - {prefix}distance_km / {prefix}radius_km) + {w['title']} * {prefix}title_score"
            f" + {w['salary']} * {prefix}salary_score + {w['schedule']} * {prefix}schedule_score")


def match_sql(jobs: str, profiles: str, top_n: int, res: int) -> str:
    """Candidate pairs by (covering cell, trade) → exact circle → score → top N per seeker. Looks only
    within each seeker's ``search_km`` (≤ its radius; the distance score is always relative to the radius).
    The hot part keeps one BIGINT per pair (score and job index packed), so ``max(key, N)`` is cheap; the
    score's parts are recomputed for the N survivors only."""
    return f"""
    with p as (
        select profile_id, cell, home_lat, home_lon, radius_km, search_km, kw_mask, salary_expected,
               profile_group, hours, unnest(trades) as trade
        from {profiles}
    ),
    pairs as (
        select p.profile_id, p.radius_km, j.jidx,
               haversine_km(p.home_lat, p.home_lon, j.latitude, j.longitude) as distance_km, {_parts_sql()}
        from p
        join {profiles}_disk as d on d.origin = p.cell and d.radius_km = p.search_km
        join {jobs} as j on j.cell{res} = d.cell and j.trade = p.trade
        where distance_km <= p.search_km
    ),
    top as (
        select profile_id,
               max((round(({_score_sql()}) * {SCORE_SCALE})::bigint << {KEY_SHIFT})
                   | ({(1 << KEY_SHIFT) - 1} - jidx), {int(top_n)}) as keys
        from pairs
        group by profile_id
    ),
    ranked as (
        select profile_id, generate_subscripts(keys, 1) as rank, unnest(keys) as key from top
    ),
    survivors as (
        select r.profile_id, r.rank, r.key >> {KEY_SHIFT} as score_key, j.job_id, p.radius_km,
               haversine_km(p.home_lat, p.home_lon, j.latitude, j.longitude) as distance_km, {_parts_sql()}
        from ranked as r
        join {profiles} as p using (profile_id)
        join {jobs} as j on j.jidx = {(1 << KEY_SHIFT) - 1} - (r.key & {(1 << KEY_SHIFT) - 1})
    )
    select profile_id, rank::integer as rank, job_id, {_score_sql()} as score, score_key, distance_km,
           1 - distance_km / radius_km as distance_score, title_score, salary_score, schedule_score
    from survivors"""


#: search rings, as fractions of the radius: a seeker whose N-th best score inside a ring already beats
#: anything a job outside it could score is finished; only the others look further (same result as
#: searching the whole circle at once, far fewer pairs where jobs are dense)
RINGS = (0.25, 0.5, 1.0)


def ring_threshold(fraction: float) -> float:
    """The best score any job farther than ``fraction`` of the radius can reach."""
    return WEIGHTS["distance"] * (1 - fraction) + WEIGHTS["title"] + WEIGHTS["salary"] + WEIGHTS["schedule"]


def run_match(con: duckdb.DuckDBPyConnection, out: str = "m_top", jobs: str = "m_job", profiles: str = "m_prof",
              top_n: int = TOP_N, rings: tuple[float, ...] = RINGS, stats: dict[str, Any] | None = None) -> int:
    """Top N per seeker into temp table ``out`` (profile_id, rank, job_id, score and its parts), ring by ring;
    ``stats`` (optional) receives the seekers searched per ring."""
    geo.register_duckdb(con)
    con.execute(f"create or replace temp table {out}_pending as select profile_id from {profiles}")
    first = True
    for fraction in rings:
        con.execute(f"create or replace temp table {out}_stage (profile_id varchar, rank integer, job_id varchar, "
                    "score double, score_key bigint, distance_km double, distance_score double, title_score double, "
                    "salary_score double, schedule_score double)")
        radii = [r[0] for r in con.execute(f"select distinct radius_km from {profiles} "
                                           f"semi join {out}_pending using (profile_id) order by 1").fetchall()]
        for radius in radii:
            search = radius * fraction
            res = geo.plan(search)[0]  # a finer grid for a smaller ring: fewer wasted candidates
            con.execute(f"""create or replace temp table {out}_ring as
                select * replace (h3_parent(cell_fine, {res}) as cell), {search} as search_km from (
                    select *, 0::ubigint as cell from {profiles} semi join {out}_pending using (profile_id)
                    where radius_km = {radius})""")
            add_disks(con, f"select cell as origin, search_km as radius_km from {out}_ring", f"{out}_ring_disk")
            t0, c0 = time.perf_counter(), time.process_time()
            con.execute(f"insert into {out}_stage {match_sql(jobs, out + '_ring', top_n, res)}")
            if stats is not None:
                stats[f"ring_{fraction:g}_radius_{radius:g}km_res{res}"] = {
                    "wall_s": round(time.perf_counter() - t0, 2), "cpu_s": round(time.process_time() - c0, 2)}
                key = f"searched_within_{fraction:g}_radius"
                stats[key] = stats.get(key, 0) + con.execute(f"select count(*) from {out}_ring").fetchone()[0]
        if fraction < 1.0:
            # finished: N matches, and the N-th beats the best score possible outside this ring
            con.execute(f"""create or replace temp table {out}_done as
                select profile_id from {out}_stage group by profile_id
                having count(*) = {int(top_n)}
                   and min(score_key) > {round(ring_threshold(fraction) * SCORE_SCALE)}""")
            keep = f"select * from {out}_stage semi join {out}_done using (profile_id)"
        else:
            keep = f"select * from {out}_stage"
        con.execute(f"{'create or replace temp table ' + out + ' as' if first else 'insert into ' + out} {keep}")
        first = False
        if fraction < 1.0:
            con.execute(f"delete from {out}_pending where profile_id in (select profile_id from {out}_done)")
            if not con.execute(f"select count(*) from {out}_pending").fetchone()[0]:
                break
    for suffix in ("_pending", "_ring", "_ring_disk", "_stage", "_done"):
        con.execute(f"drop table if exists {out}{suffix}")
    return con.execute(f"select count(*) from {out}").fetchone()[0]


def reasons_sql(top: str = "m_top", jobs: str = "m_job", profiles: str = "m_prof") -> str:
    """The survivors with their reasons text, e.g. "1.2 km by bike (5 min); title matches 收银; …"."""
    kw_list = "[" + ", ".join(f"'{k}'" for k in KEYWORDS) + "]"
    speed_case = "case p.mode " + " ".join(f"when '{m}' then {v}" for m, v in geo.speeds().items()) + " end"
    mode_words = "case p.mode " + " ".join(f"when '{m}' then '{v}'" for m, v in geo.MODE_WORDS.items()) + " end"
    groups = "case p.profile_group " + " ".join(
        f"when '{g}' then '{text}'" for g, text in GROUP_REASONS.items()) + " end"
    labels = "case p.profile_group " + " ".join(f"when '{g}' then '{text}'" for g, text in GROUPS.items()) + " end"
    return f"""
    select t.profile_id, t.rank, t.job_id, round(t.score, 2) as score, round(t.distance_km, 2) as distance_km,
           p.mode, round(t.distance_km / ({speed_case}) * 60, 1) as travel_minutes,
           round(t.distance_score, 3) as distance_score, t.title_score, round(t.salary_score, 3) as salary_score,
           t.schedule_score, p.profile_group,
           concat_ws('; ',
               printf('%.1f km %s (%d min)', t.distance_km, {mode_words},
                      greatest(1, ceil(t.distance_km / ({speed_case}) * 60))::int),
               case when t.title_score = 1.0
                    then 'title matches '
                         || list_filter({kw_list}, lambda k, i: ((p.kw_mask & j.kw_mask) >> (i - 1)) & 1 = 1)[1]
                    else 'same trade (' || j.trade || ')' end,
               case when j.monthly_pay is null then 'salary not stated'
                    when p.salary_expected is null then printf('salary %d', j.monthly_pay::bigint)
                    when j.monthly_pay >= p.salary_expected
                    then printf('salary %d ≥ expected %d', j.monthly_pay::bigint, p.salary_expected::bigint)
                    else printf('salary %d < expected %d', j.monthly_pay::bigint, p.salary_expected::bigint) end,
               case when t.schedule_score = 1.0 and p.profile_group is not null then {groups}
                    when t.schedule_score = 1.0 then 'hours fit'
                    when p.profile_group is not null then 'not a ' || {labels} end
           ) as reasons
    from {top} as t
    join {profiles} as p using (profile_id)
    join {jobs} as j using (job_id)"""


def fetch_matches(con: duckdb.DuckDBPyConnection, top: str = "m_top") -> list[dict[str, Any]]:
    cur = con.execute(f"select * from ({reasons_sql(top)}) order by profile_id, rank")
    cols = [d[0] for d in cur.description]
    return [dict(zip(cols, row, strict=True)) for row in cur.fetchall()]
