-- published.open_jobs: one row per open deduplicated job (core.job status 'open'), for apps.
-- (A query: warehouse/publish.py materialises it, incrementally by job_id; the scope placeholder limits it to the
-- jobs load changed, or is true for a whole rebuild.)
with jobs as (
    select * from core.job where {{ scope }}
)
select
    -- ids
    job_id,
    -- posting
    title, description, employer_name, employer_branch,
    -- place
    address, city_adcode, district_adcode, town, latitude, longitude,
    -- salary (schema.org baseSalary; monthly figures in the salary's currency)
    salary_text, salary_currency, salary_period, salary_min, salary_max,
    salary_monthly_min, salary_monthly_max, salary_negotiable,
    -- job type and groups
    employment_type, is_short_term, is_flexible, is_temporary, is_daily_pay, is_night_shift,
    for_mothers, for_seniors, for_disabled,
    -- dates and sources
    date_posted, valid_through, n_postings, n_sources, sources, first_seen_at
from jobs
where status = 'open'
