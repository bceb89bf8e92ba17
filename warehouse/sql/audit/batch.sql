-- audit.batch: one row per batch processed by this run, with its reconciled outcome counts.
insert or replace into audit.batch
select o.batch_id, any_value(o.source) as source, any_value(m.kind) as kind,
       count(*) as landed_records,
       count(*) filter (where outcome = 'new_job') as new_jobs,
       count(*) filter (where outcome = 'merged_duplicate') as merged_duplicates,
       count(*) filter (where outcome = 'quarantined') as quarantined,
       'loaded' as status,
       any_value(o.batch_started_at) as landed_at,
       now() as processed_at,
       {{ run_id }} as run_id
from staging.posting_outcome as o
join staging.run_batch as m using (batch_id)
group by o.batch_id;
