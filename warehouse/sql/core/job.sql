-- core.job: one row per deduplicated vacancy. Rebuild the jobs this run touched from all their
-- postings.
-- Survivorship, by field group: each group's fields come from one copy, so an address never mixes
-- with another copy's coordinates, nor a salary figure with another copy's unit. Within a group the
-- copies are ranked by the group's own rule, then by source trust (warehouse/survivorship.toml), then
-- by freshness (date posted), then by a fixed order, so the choice changes only when content changes
-- (re-seeing a copy never flips it). The rules:
--   title            an undecorated title (no 【急招】, （日结）) over a decorated one
--   description      a stated description over none; among them trust, freshness, then the longer
--   employer         a registered legal name (…有限公司, …合作社, …办事处) over a shop name, so one
--                    employer's jobs share a key whichever copy states what
--   branch           a copy naming the branch (…店, …项目部) over one that does not
--   place            the most precise: a street number, then a town, then a district; source
--                    coordinates break ties
--   salary           a stated figure over 面议 over nothing
--   employment type  a stated type over none
-- core.job.field_sources names the copy (source:source_record_id) each group came from.
-- Reads (besides core.posting and core.job):
--   staging.posting_outcome: this run's records and their outcome (staging/stg_posting_outcome.sql)
--   staging.job_merge: jobs this run merged (retired_job_id → job_id; core/job_merge.sql moved their copies)
--   core_posting_before (source, source_record_id, job_id), a temp table warehouse/steps.py load makes
--     just before core/posting.sql: the job each re-landed record belonged to before this run
-- Parameters (warehouse/steps.py _trust, from warehouse/survivorship.toml): {{ trust_sources }},
--   {{ trust_values }} (source trust, in the same order), {{ default_trust }}.
create or replace temp table touched_jobs as
select distinct job_id from staging.posting_outcome where outcome in ('new_job', 'merged_duplicate')
union
select distinct previous.job_id   -- jobs a changed record moved away from
from staging.posting_outcome as o
join core_posting_before as previous using (source, source_record_id)
where o.outcome in ('new_job', 'merged_duplicate')
union
select retired_job_id from staging.job_merge   -- merged jobs: the retired one goes, the survivor grows
union
select job_id from staging.job_merge;

insert into core.job_change  -- for publish: each touched job, with the employer it had
select job_id, employer_key from core.job where job_id in (select job_id from touched_jobs);

delete from core.job where job_id in (select job_id from touched_jobs);

insert into core.job by name
with trust as (
    select source, trust
    from (select unnest({{ trust_sources }}) as source, unnest({{ trust_values }}) as trust)
),
postings as (
    select p.*, coalesce(t.trust, {{ default_trust }}) as trust,
        p.source || ':' || p.source_record_id as copy_id
    from core.posting as p
    left join trust as t using (source)
    where p.job_id in (select job_id from touched_jobs)
),
ranked as (
    select *,
        -- each group's own rule (higher is better)
        (title is not null)::int * 2 + (not regexp_matches(coalesce(title, ''), '[【】\[\]（）()]'))::int
            as title_rank,
        (description is not null)::int as description_rank,
        (employer_name is not null)::int * 2
            + regexp_matches(coalesce(employer_name, ''), '(有限公司|有限责任公司|公司|合作社|办事处|事务所|委员会|医院|学校|幼儿园|中心)$')::int
            as employer_rank,
        (employer_branch is not null)::int as branch_rank,
        case when coalesce(match_road_no, '') <> '' or regexp_matches(coalesce(address, ''), '\d+号') then 3
             when town is not null then 2
             when district_adcode is not null then 1
             else 0 end
            + (coord_status in ('ok', 'swapped'))::int * 0.5 as place_rank,
        -- a stated figure (either bound: 3000元以上 has no maximum, 最高8000 no minimum) > 面议 > nothing
        case when coalesce(salary_monthly_min, salary_monthly_max) is not null then 2
             when salary_negotiable then 1 else 0 end as salary_rank,
        (employment_type is not null)::int as employment_rank
    from postings
),
groups as (
    select job_id,
        first({'copy': copy_id, 'title': title, 'match_key': match_key}
              order by title_rank desc, trust desc, date_posted desc nulls last, source, source_record_id) as t,
        first({'copy': copy_id, 'description': description}
              order by description_rank desc, trust desc, date_posted desc nulls last,
                       length(description) desc nulls last, source, source_record_id) as d,
        first({'copy': copy_id, 'employer_name': employer_name, 'employer_key': employer_key}
              order by employer_rank desc, trust desc, date_posted desc nulls last, source, source_record_id) as e,
        first({'copy': copy_id, 'employer_branch': employer_branch}
              order by branch_rank desc, trust desc, date_posted desc nulls last, source, source_record_id) as b,
        first({'copy': copy_id, 'address': address, 'city_adcode': city_adcode,
               'district_adcode': district_adcode, 'town': town, 'latitude': latitude, 'longitude': longitude}
              order by place_rank desc, trust desc, date_posted desc nulls last, source, source_record_id) as pl,
        first({'copy': copy_id, 'salary_text': salary_text, 'salary_currency': salary_currency,
               'salary_period': salary_period, 'salary_min': salary_min, 'salary_max': salary_max,
               'salary_monthly_min': salary_monthly_min, 'salary_monthly_max': salary_monthly_max,
               'salary_negotiable': salary_negotiable}
              order by salary_rank desc, trust desc, date_posted desc nulls last, source, source_record_id) as s,
        first({'copy': copy_id, 'employment_type': employment_type}
              order by employment_rank desc, trust desc, date_posted desc nulls last, source, source_record_id) as et
    from ranked
    group by job_id
),
rollup as (
    select job_id, count(*) as n_postings, count(distinct source) as n_sources,
           list(distinct source order by source) as sources,
           min(first_seen_at) as first_seen_at, max(last_seen_at) as last_seen_at,
           min(date_posted) as date_posted, max(valid_through) as valid_through,
           bool_or(is_short_term) as is_short_term, bool_or(is_flexible) as is_flexible,
           bool_or(is_temporary) as is_temporary, bool_or(is_daily_pay) as is_daily_pay,
           bool_or(is_night_shift) as is_night_shift,
           bool_or(for_mothers) as for_mothers, bool_or(for_seniors) as for_seniors,
           bool_or(for_disabled) as for_disabled
    from postings
    group by job_id
)
select g.job_id, g.t.match_key, g.t.title, g.d.description, g.e.employer_name,
       g.e.employer_key, g.b.employer_branch, g.pl.address, g.pl.city_adcode,
       g.pl.district_adcode, g.pl.town, g.pl.latitude, g.pl.longitude, g.s.salary_text,
       g.s.salary_currency, g.s.salary_period, g.s.salary_min, g.s.salary_max,
       g.s.salary_monthly_min, g.s.salary_monthly_max, g.s.salary_negotiable,
       g.et.employment_type, r.is_short_term, r.is_flexible, r.is_temporary,
       r.is_daily_pay, r.is_night_shift, r.for_mothers, r.for_seniors,
       r.for_disabled, r.date_posted, r.valid_through, r.n_postings,
       r.n_sources, r.sources, r.first_seen_at, r.last_seen_at,
       {'title': g.t.copy, 'description': g.d.copy, 'employer': g.e.copy, 'branch': g.b.copy,
        'place': g.pl.copy, 'salary': g.s.copy, 'employment_type': g.et.copy} as field_sources
from groups as g
join rollup as r using (job_id);

insert into core.job_change  -- and the employer it has now
select job_id, employer_key from core.job where job_id in (select job_id from touched_jobs);
