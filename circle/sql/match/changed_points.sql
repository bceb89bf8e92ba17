-- What moved since the last match run: run by circle/publish.py refresh_matches (incremental runs).
-- Creates m_changed_points (id, latitude, longitude, trade): one row per position a job appeared at,
-- left or changed at (its new position and its old one) — the seekers around these are recomputed.
-- Reads m_job_state (job_id, row_hash, latitude, longitude, trade), the temp view refresh_matches makes
-- over core.job_geo (the open jobs now), and core.match_job_state (the same at the last match run).
create or replace temp table m_changed_points as
with diff as (
    select n.job_id as new_id, o.job_id as old_id,
           n.latitude as n_lat, n.longitude as n_lon, n.trade as n_trade,
           o.latitude as o_lat, o.longitude as o_lon, o.trade as o_trade
    from m_job_state as n full outer join core.match_job_state as o using (job_id)
    where n.row_hash is distinct from o.row_hash
)
select row_number() over () as id, latitude, longitude, trade from (
    select n_lat as latitude, n_lon as longitude, n_trade as trade from diff where new_id is not null
    union all
    select o_lat, o_lon, o_trade from diff where old_id is not null)
