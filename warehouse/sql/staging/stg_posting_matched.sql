-- One row per normalised posting of this run, with the job it belongs to (deduplication).
-- The matching itself (blocking, scoring, clustering against this run and core.posting) runs in
-- transforms/dedup.py, which registers `dedup_assignment`: per landed record its job_id, match_rule
-- (exact_copy_in_run | exact_record | near_duplicate | no_match), match_score, text_signature and the
-- fields it parsed out of the text (match_branch .. match_contact, match_employer; '' = not stated)
-- for later runs.
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
assignment as (
    select batch_id, record_index, job_id, match_rule, match_score, text_signature,
        match_branch, match_road_no, match_hours, match_headcount, match_contact, match_employer
    from dedup_assignment
),
known as (
    select source, source_record_id from core.posting
)
select copies.*,
    -- what the job was blocked on, for people reading lineage (not an identity: job_id is)
    concat_ws('|', coalesce(district_adcode, city_adcode, ''), coalesce(employer_key, ''),
              coalesce(title_norm, '')) as match_key,
    assignment.job_id,
    assignment.match_rule,
    assignment.match_score,
    assignment.text_signature,
    assignment.match_branch,
    assignment.match_road_no,
    assignment.match_hours,
    assignment.match_headcount,
    assignment.match_contact,
    assignment.match_employer,
    (known.source_record_id is not null) as record_known
from copies
join assignment using (batch_id, record_index)
left join known using (source, source_record_id);
