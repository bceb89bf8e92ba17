-- The temp relations the circle's published models (circle/sql/published) read, made in the publish
-- transaction by circle/publish.py prepare_circle_tables, which runs this file.
-- Creates:
--   circle_station_job (station_id, mode, job_id, distance_km, radius_km): one row per station × mode ×
--     open job within the station's 15-minute radius in that mode
--   circle_station_profile (station_id, profile_id, distance_km): one row per station × seeker whose home
--     is within 15 minutes by bike
--   circle_job_town (id, town_adcode), a view: each open job's nearest town centre (core.job_geo)
--   circle_profile_town (id, town_adcode): each seeker's nearest town centre (a Voronoi split of the city)
--   circle_params (bike_radius_km, walk_radius_km, minutes): one row, the circle's size
-- Reads core.job_geo, core.profile, the haversine_km function (circle/geo.py register_duckdb) and temp
-- tables made before it by circle/publish.py:
--   c_station_job_pairs (point_id = '<station_id>|<mode>', target_id = job_id, distance_km, radius_km) and
--   c_station_profile_pairs (point_id = station_id, target_id = profile_id, distance_km, radius_km):
--     within_pairs, through the H3 index
--   circle_town (town_adcode, town, district_adcode, latitude, longitude): _load_towns
-- Parameters: {{ bike_radius_km }}, {{ walk_radius_km }} (km), {{ minutes }} (integer), from circle/geo.py.
create or replace temp table circle_station_job as
select split_part(point_id, '|', 1) as station_id, split_part(point_id, '|', 2) as mode,
       target_id as job_id, distance_km, radius_km
from c_station_job_pairs;

create or replace temp table circle_station_profile as
select point_id as station_id, target_id as profile_id, distance_km from c_station_profile_pairs;

create or replace temp view circle_job_town as select job_id as id, town_adcode from core.job_geo;

create or replace temp table circle_profile_town as
select p.profile_id as id,
       arg_min(t.town_adcode, haversine_km(p.home_lat, p.home_lon, t.latitude, t.longitude)) as town_adcode
from core.profile as p cross join circle_town as t group by p.profile_id;

create or replace temp table circle_params as
select {{ bike_radius_km }}::double as bike_radius_km, {{ walk_radius_km }}::double as walk_radius_km,
       {{ minutes }}::integer as minutes;
