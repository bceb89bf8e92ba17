-- Which jobs core.job_geo must (re)derive or drop: run by circle/publish.py refresh_job_geo.
-- Creates:
--   g_now (job_id, input_hash): one row per open job with coordinates; input_hash covers the inputs the
--     derivation reads plus {{ version }} (the rules' version: trades, resolutions, town list), so
--     changing a rule re-derives every job
--   g_diff (job_id, present): one row per job whose input_hash differs from core.job_geo's (new, changed
--     or no longer open); present = it is open now (re-derive) rather than gone (delete only)
-- Reads core.job and core.job_geo.
create or replace temp table g_now as
select job_id, hash(latitude, longitude, title, salary_monthly_min, salary_monthly_max, employment_type,
                    is_short_term, is_flexible, is_temporary, is_daily_pay, for_mothers, for_seniors,
                    for_disabled, {{ version }}) as input_hash
from core.job where status = 'open' and latitude is not null and longitude is not null;

create or replace temp table g_diff as
select job_id, n.input_hash is not null as present
from g_now as n full outer join core.job_geo as o using (job_id)
where n.input_hash is distinct from o.input_hash;
