-- One row per normalised posting of this run, with the job it belongs to (deduplication).
-- The matching itself (blocking, scoring, clustering against this run and core.posting) runs in
-- transforms/dedup/run.py, which registers `dedup_assignment`: per landed record its copy_rank and
-- record_known (computed there once, with the run's copies and the pool), job_id, match_rule
-- (exact_copy_in_run | exact_record | near_duplicate | no_match), match_score, text_signature and the
-- fields it parsed out of the text (match_branch .. match_contact, match_shift_name, match_employer; '' = not stated)
-- for later runs.
-- Only the assignment is written (staging.posting_assignment, a few narrow columns); the matched
-- postings are a view joining it to staging.posting_normalised, so deduplication does not copy every
-- normalised column of a million-row run once more (load reads them once, into posting_outcome).
create or replace table staging.posting_assignment as
select batch_id, record_index, copy_rank,  -- copy_rank: a record delivered twice in this run, latest = 1
    job_id, match_rule, match_score, text_signature,
    match_branch, match_road_no, match_hours, match_headcount, match_contact, match_employer,
    match_shift_name, record_known
from dedup_assignment;

-- One row per existing job a new copy bridged into an older one: the retired id and the job it now is
-- (load moves its copies and records the redirect in core.job_redirect).
create or replace table staging.job_merge as
select retired_job_id, job_id from dd_job_merge;

-- One row: the Fellegi–Sunter weights this run estimated (JSON: lambda, per comparison level m, u and
-- weight = log2(m/u)); load keeps it in audit.match_model, `jobpool explain` reads it.
create or replace table staging.match_model as
select model from dedup_model;

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
    a.match_shift_name,
    a.record_known
from staging.posting_normalised as n
join staging.posting_assignment as a using (batch_id, record_index);
