-- Model published.station_report (built by the circle, rebuilt whole each publish: warehouse/publish.py
-- PUBLISHED; run by circle/publish.py publish_circle).
-- One row: a station, ranked by the demand within 15 minutes by bike (open jobs + seekers), with its
-- nearest other station and a suggestion for the close / merge review (towns to add a station in are
-- published.town_coverage where is_gap).
-- Columns: demand_rank, station_id, station_name, station_kind, is_demo, district_adcode, town, latitude,
--   longitude, open_jobs_bike, open_jobs_walk, seekers_bike, exclusive_jobs_bike, demand,
--   nearest_station_id, nearest_station_km, suggestion.
-- Reads core.station, the haversine_km function (circle/geo.py register_duckdb) and temp tables made by
-- circle/publish.py prepare_circle_tables (circle/sql/prepare/circle_inputs.sql):
--   circle_station_job (station_id, mode, job_id, distance_km, radius_km): station→job pairs
--   circle_station_profile (station_id, profile_id, distance_km): station→seeker pairs, bike
--   circle_params (bike_radius_km, walk_radius_km, minutes)
with stations as (
    select * from core.station
),
jobs_bike as (
    select station_id, count(*) as open_jobs_bike from circle_station_job where mode = 'bike' group by all
),
jobs_walk as (
    select station_id, count(*) as open_jobs_walk from circle_station_job where mode = 'walk' group by all
),
seekers as (
    select station_id, count(*) as seekers_bike from circle_station_profile group by all
),
exclusive as (  -- jobs that no other station reaches by bike
    select station_id, count(*) as exclusive_jobs_bike
    from (select job_id, any_value(station_id) as station_id, count(*) as n
          from circle_station_job where mode = 'bike' group by job_id)
    where n = 1
    group by all
),
demand as (
    select s.station_id, s.name, s.kind, s.is_demo, s.district_adcode, s.town, s.latitude, s.longitude,
           coalesce(b.open_jobs_bike, 0) as open_jobs_bike, coalesce(w.open_jobs_walk, 0) as open_jobs_walk,
           coalesce(k.seekers_bike, 0) as seekers_bike, coalesce(e.exclusive_jobs_bike, 0) as exclusive_jobs_bike,
           coalesce(b.open_jobs_bike, 0) + coalesce(k.seekers_bike, 0) as demand
    from stations as s
    left join jobs_bike as b using (station_id)
    left join jobs_walk as w using (station_id)
    left join seekers as k using (station_id)
    left join exclusive as e using (station_id)
),
neighbour as (
    select a.station_id,
           arg_min(b.station_id, haversine_km(a.latitude, a.longitude, b.latitude, b.longitude)) as nearest_station_id,
           min(haversine_km(a.latitude, a.longitude, b.latitude, b.longitude)) as nearest_station_km
    from demand as a join demand as b on a.station_id <> b.station_id
    group by all
)
select
    -- rank
    rank() over (order by d.demand desc, d.station_id) as demand_rank,
    -- ids
    d.station_id, d.name as station_name, d.kind as station_kind, d.is_demo,
    -- place
    d.district_adcode, d.town, d.latitude, d.longitude,
    -- demand within 15 minutes
    d.open_jobs_bike, d.open_jobs_walk, d.seekers_bike, d.exclusive_jobs_bike, d.demand,
    -- neighbour
    n.nearest_station_id, round(n.nearest_station_km, 2) as nearest_station_km,
    -- suggestion
    case
        when d.demand = 0 then 'close? no jobs or seekers within 15 min by bike'
        when n.nearest_station_km <= p.walk_radius_km and (d.demand < o.demand or (d.demand = o.demand and d.station_id > o.station_id))
            then printf('merge? %s is %.1f km away with more demand', o.name, n.nearest_station_km)
        else 'keep'
    end as suggestion
from demand as d
cross join circle_params as p
left join neighbour as n using (station_id)
left join demand as o on o.station_id = n.nearest_station_id
