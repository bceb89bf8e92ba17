-- Model published.town_coverage (built by the circle, rebuilt whole each publish: warehouse/publish.py
-- PUBLISHED; run by circle/publish.py publish_circle).
-- One row: a town/street (乡镇/街道) of Jining: the open jobs and seekers nearest its centre, its nearest
-- station, and whether it is a gap (jobs, but no station within 15 minutes by bike of its centre) — the
-- "add" side of the station review.
-- Columns: town_adcode, town, district_adcode, latitude, longitude, open_jobs, seekers, nearest_station_id,
--   nearest_station_name, nearest_station_km, bike_minutes_to_station, covered, is_gap.
-- Reads core.station, the haversine_km function (circle/geo.py register_duckdb) and temp relations made
-- by circle/publish.py:
--   circle_town (town_adcode, town, district_adcode, latitude, longitude): the town centres (_load_towns,
--     from transforms/vocabulary.py)
--   circle_job_town (id, town_adcode): each open job's nearest town (prepare_circle_tables)
--   circle_profile_town (id, town_adcode): each seeker's nearest town (prepare_circle_tables)
--   circle_params (bike_radius_km, walk_radius_km, minutes) (prepare_circle_tables)
with towns as (
    select * from circle_town
),
jobs as (
    select town_adcode, count(*) as open_jobs from circle_job_town group by all
),
seekers as (
    select town_adcode, count(*) as seekers from circle_profile_town group by all
),
distances as (
    select t.town_adcode, s.station_id, s.name,
           haversine_km(t.latitude, t.longitude, s.latitude, s.longitude) as km
    from towns as t cross join core.station as s
),
nearest as (
    select town_adcode, arg_min(station_id, km) as nearest_station_id, arg_min(name, km) as nearest_station_name,
           min(km) as nearest_station_km
    from distances
    group by all
)
select
    -- ids
    t.town_adcode, t.town, t.district_adcode,
    -- place
    t.latitude, t.longitude,
    -- demand
    coalesce(jobs.open_jobs, 0) as open_jobs,
    coalesce(seekers.seekers, 0) as seekers,
    -- supply
    n.nearest_station_id, n.nearest_station_name, round(n.nearest_station_km, 2) as nearest_station_km,
    round(n.nearest_station_km / p.bike_radius_km * p.minutes, 1) as bike_minutes_to_station,
    coalesce(n.nearest_station_km <= p.bike_radius_km, false) as covered,
    coalesce(jobs.open_jobs, 0) > 0 and not coalesce(n.nearest_station_km <= p.bike_radius_km, false) as is_gap
from towns as t
cross join circle_params as p
left join jobs using (town_adcode)
left join seekers using (town_adcode)
left join nearest as n using (town_adcode)
