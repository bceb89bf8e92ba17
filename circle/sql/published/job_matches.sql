-- Model published.job_matches (built by the circle, rebuilt whole each publish: warehouse/publish.py
-- PUBLISHED; run by circle/publish.py publish_circle after refresh_matches brought core.job_match up to date).
-- One row: a job seeker × recommended open job (top N, rank 1 = best), with the score's parts and its
-- reasons. The seeker is a pseudonym (profile_id): no name, phone or home point is published
-- (core.profile keeps the point; names and phones never leave landing).
-- Columns: profile_id, rank, job_id, title, employer_name, district_adcode, town, score, distance_km, mode,
--   travel_minutes, distance_score, title_score, salary_score, schedule_score, profile_group, reasons,
--   computed_at (described in docs/analyst.md).
-- Reads core.job_match and core.job only (no temp tables).
with matches as (
    select * from core.job_match
),
jobs as (
    select job_id, title, employer_name, district_adcode, town from core.job where status = 'open'
)
select
    -- ids
    m.profile_id, m.rank, m.job_id,
    -- the job
    j.title, j.employer_name, j.district_adcode, j.town,
    -- the score (0-100) and its parts
    round(m.score, 2) as score, m.distance_km, m.mode, m.travel_minutes,
    m.distance_score, m.title_score, m.salary_score, m.schedule_score,
    m.profile_group, m.reasons,
    -- timestamps
    m.computed_at
from matches as m
join jobs as j using (job_id)
