-- One row per landed record of this run with its outcome: new_job, merged_duplicate or quarantined.
-- Landed = new jobs + merged duplicates + quarantined, per batch and per source, by construction.
create or replace table staging.posting_outcome as
with matched as (
    select * from staging.posting_matched
),
checks as (  -- first failed check per record
    select batch_id, record_index, arg_min(check_name, priority) as check_name,
           arg_min(reason, priority) as reason, arg_min(observed, priority) as observed
    from staging.posting_check
    group by batch_id, record_index
),
existing_jobs as (
    select job_id from core.job
),
ranked as (
    select matched.*, checks.check_name, checks.reason, checks.observed,
        row_number() over (
            partition by matched.job_id, (checks.check_name is null and copy_rank = 1)
            order by batch_started_at, batch_id, record_index
        ) as rank_in_job,
        (existing_jobs.job_id is not null) as job_exists
    from matched
    left join checks using (batch_id, record_index)
    left join existing_jobs using (job_id)
)
select *,
    case
        when check_name is not null then 'quarantined'
        when copy_rank > 1 or job_exists or rank_in_job > 1 then 'merged_duplicate'
        else 'new_job'
    end as outcome
from ranked;
