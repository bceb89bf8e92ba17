-- Insert into core.job_geo the derived row of each job refresh_job_geo (circle/publish.py) re-derives:
-- one row per open job with coordinates — the match fields (radar.job_features_sql), its fine and
-- circle H3 cells, its nearest town centre and row_hash (what a match depends on: the radar's change
-- detection compares it with core.match_job_state).
-- Reads temp tables made by circle/publish.py refresh_job_geo just before:
--   g_src: the jobs to derive, with trade, kw_mask, monthly_pay, employment type and flags
--   g_now (job_id, input_hash): circle/sql/core/job_geo_diff.sql
--   g_cell, g_circle_cell (id, cell): H3 cells at geo.FINE_RES and at the circle's resolution (radar.add_cells)
--   circle_town (town_adcode, town, district_adcode, latitude, longitude): _load_towns
-- and the haversine_km function (circle/geo.py register_duckdb).
insert into core.job_geo by name
with town as (  -- each job belongs to its nearest town centre
    select s.job_id, arg_min(t.town_adcode, haversine_km(s.latitude, s.longitude, t.latitude, t.longitude))
           as town_adcode
    from g_src as s cross join circle_town as t group by s.job_id
)
select s.*, n.input_hash, c.cell, cc.cell as circle_cell, town.town_adcode,
       md5(concat_ws('|', latitude, longitude, trade, kw_mask, monthly_pay, employment_type, is_short_term,
                     is_flexible, is_temporary, is_daily_pay, for_mothers, for_seniors, for_disabled, title))
           as row_hash
from g_src as s
join g_now as n using (job_id)
join g_cell as c on c.id = s.job_id
join g_circle_cell as cc on cc.id = s.job_id
left join town using (job_id)
