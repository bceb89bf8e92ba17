-- published.job_matches: one row per job seeker × recommended open job (top N, rank 1 = best), with
-- the score's parts and its reasons. The seeker is a pseudonym (profile_id): no name, phone or home
-- point is published (core.profile keeps the point; names and phones never leave landing).
create or replace table published.job_matches as
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
order by m.profile_id, m.rank;
