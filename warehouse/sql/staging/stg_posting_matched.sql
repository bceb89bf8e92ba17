-- One row per normalised posting of this run, with the job it belongs to (deduplication).
-- A job is identified by its match key: same employer (and branch), same normalised title, same
-- district, same shift and salary band. job_id = hash of the key, so it is stable across runs.
create or replace table staging.posting_matched as
with normalised as (
    select * from staging.posting_normalised
),
copies as (  -- a record delivered more than once in this run: the latest copy represents it
    select *,
        row_number() over (
            partition by source, source_record_id
            order by batch_started_at desc, batch_id desc, record_index desc
        ) as copy_rank
    from normalised
),
keyed as (
    select *,
        concat_ws('|',
            coalesce(employer_key, 'record:' || source || ':' || source_record_id),
            coalesce(employer_branch, ''),
            coalesce(title_norm, ''),
            coalesce(district_adcode, city_adcode, ''),
            case when is_night_shift then 'night' else 'day' end,
            coalesce(salary_period, ''),
            coalesce(cast(round(salary_monthly_min / 500) as varchar), '')
        ) as match_key
    from copies
),
known as (
    select source, source_record_id, content_hash from core.posting
)
select keyed.*,
    substr(md5(match_key), 1, 16) as job_id,
    case
        when copy_rank > 1 then 'exact_copy_in_run'
        when known.content_hash = keyed.content_hash then 'exact_record'
        else 'match_key'
    end as match_rule,
    (known.source_record_id is not null) as record_known
from keyed
left join known using (source, source_record_id);
