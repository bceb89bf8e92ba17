-- core.job_history (SCD type 2): close the current version of every job whose tracked attributes
-- changed (or which no longer exists), then open a new version for it. No change, no new row.
-- Only jobs in core.job_change (rebuilt, opened or closed since the last publish) can have changed,
-- so only they are compared: the cost follows the batch, not the pool.
create or replace temp table job_changed as select distinct job_id from core.job_change;

create or replace temp table job_tracked as
select *,
    md5(concat_ws('|', status, close_reason, title, employer_name, district_adcode, town, employment_type,
                  is_short_term, is_flexible, is_temporary, for_mothers, for_seniors, for_disabled,
                  salary_period, salary_monthly_min, salary_monthly_max, description_hash,
                  date_posted, valid_through)) as row_hash
from (
    select job_id, status, close_reason, title, employer_name, district_adcode, town, employment_type,
           is_short_term, is_flexible, is_temporary, for_mothers, for_seniors, for_disabled,
           salary_period, salary_monthly_min, salary_monthly_max, md5(coalesce(description, '')) as description_hash,
           date_posted, valid_through
    from core.job
    where job_id in (select job_id from job_changed)
);

update core.job_history as h
set valid_to = {{ as_of }}::timestamptz, is_current = false
where h.is_current
  and h.job_id in (select job_id from job_changed)
  and not exists (select 1 from job_tracked as t where t.job_id = h.job_id and t.row_hash = h.row_hash);

insert into core.job_history by name
select t.*, coalesce(v.last_version, 0) + 1 as version, {{ as_of }}::timestamptz as valid_from,
       null::timestamptz as valid_to, true as is_current
from job_tracked as t
left join (select job_id, max(version) as last_version from core.job_history
           where job_id in (select job_id from job_changed) group by job_id) as v using (job_id)
where not exists (select 1 from core.job_history as h where h.job_id = t.job_id and h.is_current);
