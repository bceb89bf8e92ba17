-- One row per landed record of this run with its outcome: new_job, merged_duplicate, quarantined or
-- held (its whole batch failed a health check). Landed = new + merged + quarantined + held, per batch
-- and per source, by construction.
-- Reads (besides core.job):
--   staging.posting_matched: this run's records with their job_id (staging/stg_posting_matched.sql)
--   staging.posting_check (batch_id, record_index, check_name, priority, expectation, reason, observed):
--     one row per failed row-level check; made by warehouse/validation.py validate_postings
--   staging.batch_hold (batch_id, …): one row per batch a health check holds; made by
--     warehouse/validation.py batch_health
-- Run by warehouse/steps.py load, after validation.
create or replace table staging.posting_outcome as
with matched as (
    select * from staging.posting_matched
),
checks as (  -- first failed check per record (by priority, then name: deterministic)
    select batch_id, record_index, check_name, expectation, reason, observed
    from staging.posting_check
    qualify row_number() over (partition by batch_id, record_index order by priority, check_name) = 1
),
existing_jobs as (
    select job_id from core.job
),
held as (
    select batch_id from staging.batch_hold
),
flagged as (
    select matched.*, checks.check_name, checks.expectation, checks.reason, checks.observed,
        (held.batch_id is not null) as batch_held,
        (existing_jobs.job_id is not null) as job_exists
    from matched
    left join checks using (batch_id, record_index)
    left join held using (batch_id)
    left join existing_jobs using (job_id)
),
ranked as (
    select *,
        row_number() over (
            partition by job_id, (check_name is null and copy_rank = 1 and not batch_held)
            order by batch_started_at, batch_id, record_index
        ) as rank_in_job
    from flagged
)
select *,
    case
        when batch_held then 'held'
        when check_name is not null then 'quarantined'
        when copy_rank > 1 or job_exists or rank_in_job > 1 then 'merged_duplicate'
        else 'new_job'
    end as outcome
from ranked;
