-- published.jobs_by_area: one row per district × town × employmentType × job group, counting open
-- jobs. job_group 'all' counts every job; the others count the jobs carrying that flag (the special
-- groups by their names in transforms/vocabulary.py: mother, senior, disabled).
-- (A query: warehouse/publish.py rebuilds it whole each publish.)
with jobs as (
    select * from core.job where status = 'open'
),
grouped as (
    select district_adcode, town, employment_type, job_group
    from jobs,
    lateral (
        select unnest(list_filter(
            ['all',
             case when for_mothers then 'mother' end,
             case when for_seniors then 'senior' end,
             case when for_disabled then 'disabled' end,
             case when is_short_term then 'short_term' end,
             case when is_flexible then 'flexible' end,
             case when is_temporary then 'temporary' end,
             case when is_daily_pay then 'daily_pay' end,
             case when is_night_shift then 'night_shift' end],
            lambda g: g is not null)) as job_group
    )
)
select coalesce(district_adcode, 'unknown') as district_adcode, coalesce(town, '') as town,
       coalesce(employment_type, 'OTHER') as employment_type, job_group, count(*) as open_jobs
from grouped
group by all
