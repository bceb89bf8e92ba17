-- Model published.jobs_near_station (built by the circle, rebuilt whole each publish: warehouse/publish.py
-- PUBLISHED; run by circle/publish.py publish_circle).
-- One row: a station × travel mode (walk, bike): the open jobs reachable within 15 minutes (straight-line
-- distance, circle/geo.py speeds), by employment type and group.
-- Columns: station_id, station_name, station_kind, is_demo, source, district_adcode, town, latitude,
--   longitude, mode, minutes, radius_km, open_jobs, jobs_full_time, jobs_part_time, jobs_temporary_type,
--   jobs_other_type, jobs_for_mothers, jobs_for_seniors, jobs_for_disabled, jobs_short_term, jobs_flexible,
--   jobs_temporary, jobs_daily_pay, nearest_job_km (described in docs/analyst.md).
-- Reads core.station, core.job_geo and the temp tables circle/publish.py prepare_circle_tables makes
-- (circle/sql/prepare/circle_inputs.sql):
--   circle_station_job (station_id, mode, job_id, distance_km, radius_km): station→job pairs, H3 index
--   circle_params (bike_radius_km, walk_radius_km, minutes): the circle's size
with stations as (
    select s.*, m.mode
    from core.station as s
    cross join (values ('walk'), ('bike')) as m(mode)
),
reach as (
    select p.station_id, p.mode, p.distance_km, j.employment_type, j.for_mothers, j.for_seniors, j.for_disabled,
           j.is_short_term, j.is_flexible, j.is_temporary, j.is_daily_pay
    from circle_station_job as p
    join core.job_geo as j using (job_id)  -- the open jobs with coordinates, narrow
),
counted as (
    select station_id, mode,
        count(*) as open_jobs,
        count(*) filter (where employment_type = 'FULL_TIME') as jobs_full_time,
        count(*) filter (where employment_type = 'PART_TIME') as jobs_part_time,
        count(*) filter (where employment_type in ('TEMPORARY', 'PER_DIEM')) as jobs_temporary_type,
        count(*) filter (where coalesce(employment_type, 'OTHER') not in ('FULL_TIME', 'PART_TIME', 'TEMPORARY',
                                                                          'PER_DIEM')) as jobs_other_type,
        count(*) filter (where for_mothers) as jobs_for_mothers,
        count(*) filter (where for_seniors) as jobs_for_seniors,
        count(*) filter (where for_disabled) as jobs_for_disabled,
        count(*) filter (where is_short_term) as jobs_short_term,
        count(*) filter (where is_flexible) as jobs_flexible,
        count(*) filter (where is_temporary) as jobs_temporary,
        count(*) filter (where is_daily_pay) as jobs_daily_pay,
        min(distance_km) as nearest_job_km
    from reach
    group by all
)
select
    -- ids
    s.station_id, s.name as station_name, s.kind as station_kind, s.is_demo, s.source,
    -- place
    s.district_adcode, s.town, s.latitude, s.longitude,
    -- circle
    s.mode, p.minutes,
    case s.mode when 'walk' then p.walk_radius_km else p.bike_radius_km end as radius_km,
    -- jobs inside it
    coalesce(c.open_jobs, 0) as open_jobs,
    coalesce(c.jobs_full_time, 0) as jobs_full_time,
    coalesce(c.jobs_part_time, 0) as jobs_part_time,
    coalesce(c.jobs_temporary_type, 0) as jobs_temporary_type,
    coalesce(c.jobs_other_type, 0) as jobs_other_type,
    coalesce(c.jobs_for_mothers, 0) as jobs_for_mothers,
    coalesce(c.jobs_for_seniors, 0) as jobs_for_seniors,
    coalesce(c.jobs_for_disabled, 0) as jobs_for_disabled,
    coalesce(c.jobs_short_term, 0) as jobs_short_term,
    coalesce(c.jobs_flexible, 0) as jobs_flexible,
    coalesce(c.jobs_temporary, 0) as jobs_temporary,
    coalesce(c.jobs_daily_pay, 0) as jobs_daily_pay,
    round(c.nearest_job_km, 3) as nearest_job_km
from stations as s
cross join circle_params as p
left join counted as c using (station_id, mode)
