-- Seekers a changed job reaches: run by circle/publish.py refresh_matches when jobs changed.
-- Inserts into m_touched (profile_id; created empty by refresh_matches) one row per seeker who wants a
-- changed job's trade and has a changed point within their own radius.
-- Reads temp tables refresh_matches makes just before:
--   m_changed_points (id, latitude, longitude, trade): circle/sql/match/changed_points.sql
--   m_prof_pts (id, latitude, longitude, radius_km, trades, cell): the seekers (prepare_targets)
--   m_touch_pairs (point_id, target_id, distance_km, radius_km): changed point → seeker within the
--     largest radius (within_pairs, through the H3 index)
insert into m_touched
select distinct t.id from m_touch_pairs as x
join m_changed_points as c on c.id = x.point_id
join m_prof_pts as t on t.id = x.target_id
where x.distance_km <= t.radius_km and list_contains(t.trades, c.trade)
