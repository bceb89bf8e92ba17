-- published.employers: one row per employer (normalised key): its names, branches and jobs.
-- (A query: warehouse/publish.py materialises it, incrementally by employer_key; the scope placeholder limits it to
-- the employers of the jobs load changed, or is true for a whole rebuild.)
with jobs as (
    select * from core.job where employer_key is not null and {{ scope }}
),
named as (  -- the name most of its jobs use
    select employer_key, employer_name
    from (select employer_key, employer_name, count(*) as n from jobs group by all)
    qualify row_number() over (partition by employer_key order by n desc, employer_name) = 1
)
select
    -- ids
    jobs.employer_key,
    any_value(named.employer_name) as employer_name,
    -- jobs
    count(*) filter (where status = 'open') as open_jobs,
    count(*) as all_jobs,
    list(distinct employer_branch order by employer_branch) filter (where employer_branch is not null) as branches,
    list(distinct district_adcode order by district_adcode) filter (where district_adcode is not null) as district_adcodes,
    count(*) filter (where status = 'open' and (is_short_term or is_flexible or is_temporary)) as open_flexible_jobs,
    -- timestamps
    min(first_seen_at) as first_seen_at,
    max(last_seen_at) as last_seen_at
from jobs
join named using (employer_key)
group by jobs.employer_key
