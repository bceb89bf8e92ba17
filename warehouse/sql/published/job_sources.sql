-- published.job_sources: one row per source record → the canonical job it was merged into (lineage).
-- (A query: warehouse/publish.py materialises it, incrementally by source + source_record_id; the scope
-- placeholder limits it to the records load merged, or is true for a whole rebuild.)
select source, source_record_id, url, job_id, match_rule, match_score, batch_id, record_index, content_hash,
       first_seen_at, last_seen_at
from core.posting
where {{ scope }}
