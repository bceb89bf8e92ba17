-- core.job status: open, or closed with the reason (validThrough passed, or no source has shown any
-- of the job's postings within that source's window). Idempotent for a given as-of time.
create or replace temp table job_status_now as
with windows as (
    select source, not_seen_days
    from (select unnest({{ window_sources }}) as source, unnest({{ window_days }}) as not_seen_days)
),
postings as (
    select p.job_id, p.last_seen_at,
           coalesce(w.not_seen_days, {{ default_not_seen_days }}) as not_seen_days
    from core.posting as p
    left join windows as w using (source)
),
presence as (  -- the job is still shown somewhere when any posting is inside its source's window
    select job_id,
           bool_or(not_seen_days = 0
                   or last_seen_at >= {{ as_of }}::timestamptz - to_days(not_seen_days)) as still_shown,
           max(last_seen_at) as last_seen_at
    from postings
    group by job_id
)
select j.job_id,
    case
        when j.valid_through < {{ as_of }}::timestamptz::date then 'closed'
        when not p.still_shown then 'closed'
        else 'open'
    end as status,
    case
        when j.valid_through < {{ as_of }}::timestamptz::date then 'valid_through_passed'
        when not p.still_shown then 'not_seen'
    end as close_reason
from core.job as j
join presence as p using (job_id);

insert into core.job_change  -- for publish: jobs opening or closing
select j.job_id, j.employer_key
from core.job as j join job_status_now as s using (job_id)
where j.status is distinct from s.status or j.close_reason is distinct from s.close_reason;

update core.job as j
set status = s.status,
    close_reason = s.close_reason,
    closed_at = case when s.status = 'closed' then coalesce(j.closed_at, {{ as_of }}::timestamptz) end
from job_status_now as s
where j.job_id = s.job_id
  and (j.status is distinct from s.status or j.close_reason is distinct from s.close_reason);
