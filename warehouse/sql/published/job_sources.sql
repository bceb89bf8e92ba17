-- published.job_sources: one row per source record → the canonical job it was merged into (lineage).
create or replace table published.job_sources as
select source, source_record_id, url, job_id, match_rule, match_score, batch_id, record_index, content_hash,
       first_seen_at, last_seen_at
from core.posting
order by job_id, source, source_record_id;
