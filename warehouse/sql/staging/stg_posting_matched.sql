-- One row per normalised posting of this run, with the job it belongs to (deduplication).
-- The matching itself (blocking, scoring, clustering against this run and core.posting) runs in
-- transforms/dedup.py, which registers `dedup_assignment`: per landed record its job_id, match_rule
-- (exact_copy_in_run | exact_record | near_duplicate | no_match), match_score, text_signature and the
-- fields it parsed out of the text (match_branch .. match_contact, match_employer; '' = not stated)
-- for later runs.
-- Only the assignment is written (staging.posting_assignment, a few narrow columns); the matched
-- postings are a view joining it to staging.posting_normalised, so deduplication does not copy every
-- normalised column of a million-row run once more (load reads them once, into posting_outcome).
create or replace table staging.posting_assignment as
with copies as (  -- a record delivered more than once in this run: the latest copy represents it
    select batch_id, record_index, source, source_record_id,
        row_number() over (
            partition by source, source_record_id
            order by batch_started_at desc, batch_id desc, record_index desc
        ) as copy_rank
    from staging.posting_normalised
),
known as (
    select source, source_record_id from core.posting
)
select copies.batch_id, copies.record_index, copies.copy_rank,
    a.job_id, a.match_rule, a.match_score, a.text_signature,
    a.match_branch, a.match_road_no, a.match_hours, a.match_headcount, a.match_contact, a.match_employer,
    (known.source_record_id is not null) as record_known
from copies
join dedup_assignment as a using (batch_id, record_index)
left join known using (source, source_record_id);

create view staging.posting_matched as
select n.*,
    a.copy_rank,
    -- what the job was blocked on, for people reading lineage (not an identity: job_id is)
    concat_ws('|', coalesce(n.district_adcode, n.city_adcode, ''), coalesce(n.employer_key, ''),
              coalesce(n.title_norm, '')) as match_key,
    a.job_id,
    a.match_rule,
    a.match_score,
    a.text_signature,
    a.match_branch,
    a.match_road_no,
    a.match_hours,
    a.match_headcount,
    a.match_contact,
    a.match_employer,
    a.record_known
from staging.posting_normalised as n
join staging.posting_assignment as a using (batch_id, record_index);
