-- core.posting_change: the source records this run merged into core.posting (for publish's
-- incremental job_sources; emptied by publish).
insert into core.posting_change
select source, source_record_id
from staging.posting_outcome
where outcome in ('new_job', 'merged_duplicate') and copy_rank = 1;
