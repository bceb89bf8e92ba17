-- core.job: one row per deduplicated vacancy. Rebuild the jobs this run touched from all their
-- postings. Survivorship: the canonical job takes its fields from the best copy: the most complete
-- one (an undecorated title counts), then the most recently posted, then a fixed order, so the
-- choice changes only when content changes (re-seeing a copy never flips it).
create or replace temp table touched_jobs as
select distinct job_id from staging.posting_outcome where outcome in ('new_job', 'merged_duplicate')
union
select distinct previous.job_id   -- jobs a changed record moved away from
from staging.posting_outcome as o
join core_posting_before as previous using (source, source_record_id)
where o.outcome in ('new_job', 'merged_duplicate');

insert into core.job_change  -- for publish: each touched job, with the employer it had
select job_id, employer_key from core.job where job_id in (select job_id from touched_jobs);

delete from core.job where job_id in (select job_id from touched_jobs);

insert into core.job by name
with postings as (
    select * from core.posting where job_id in (select job_id from touched_jobs)
),
scored as (
    select *,
        (title is not null)::int + (description is not null)::int * 2 + (employer_name is not null)::int
        + (district_adcode is not null)::int + (town is not null)::int + (latitude is not null)::int
        + (salary_monthly_min is not null)::int * 2 + (date_posted is not null)::int
        + least(coalesce(length(description), 0), 2000) / 1000.0
        + (not regexp_matches(coalesce(title, ''), '[【】\[\]（）()]'))::int * 0.5 as completeness
    from postings
),
best as (
    select * from scored
    qualify row_number() over (
        partition by job_id order by completeness desc, date_posted desc nulls last, source, source_record_id
    ) = 1
),
rollup as (
    select job_id, count(*) as n_postings, count(distinct source) as n_sources,
           list(distinct source order by source) as sources,
           min(first_seen_at) as first_seen_at, max(last_seen_at) as last_seen_at,
           min(date_posted) as date_posted, max(valid_through) as valid_through,
           bool_or(is_short_term) as is_short_term, bool_or(is_flexible) as is_flexible,
           bool_or(is_temporary) as is_temporary, bool_or(is_daily_pay) as is_daily_pay,
           bool_or(for_mothers) as for_mothers, bool_or(for_seniors) as for_seniors,
           bool_or(for_disabled) as for_disabled
    from postings
    group by job_id
)
select best.job_id, best.match_key, best.title, best.description, best.employer_name,
       best.employer_key, best.employer_branch, best.address, best.city_adcode,
       best.district_adcode, best.town, best.latitude, best.longitude, best.salary_text,
       best.salary_currency, best.salary_period, best.salary_min, best.salary_max,
       best.salary_monthly_min, best.salary_monthly_max, best.salary_negotiable,
       best.employment_type, rollup.is_short_term, rollup.is_flexible, rollup.is_temporary,
       rollup.is_daily_pay, best.is_night_shift, rollup.for_mothers, rollup.for_seniors,
       rollup.for_disabled, rollup.date_posted, rollup.valid_through, rollup.n_postings,
       rollup.n_sources, rollup.sources, rollup.first_seen_at, rollup.last_seen_at
from best
join rollup using (job_id);

insert into core.job_change  -- and the employer it has now
select job_id, employer_key from core.job where job_id in (select job_id from touched_jobs);
