-- The jobs whose match state changed: run by circle/publish.py refresh_matches (incremental runs), to
-- rewrite only their rows of core.match_job_state.
-- Creates m_state_diff (job_id): one row per job whose row_hash differs between m_job_state (the temp
-- view refresh_matches makes over core.job_geo) and core.match_job_state (new, changed or gone).
create or replace temp table m_state_diff as
select job_id from m_job_state as n full outer join core.match_job_state as o using (job_id)
where n.row_hash is distinct from o.row_hash
