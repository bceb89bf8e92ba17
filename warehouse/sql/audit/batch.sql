-- audit.batch: one row per batch processed by this run, with its reconciled outcome counts;
-- audit.batch_profile: the loaded batches' profiles, the baseline for later health checks.
insert or replace into audit.batch by name
select o.batch_id, any_value(o.source) as source, any_value(m.kind) as kind,
       count(*) as landed_records,
       count(*) filter (where outcome = 'new_job') as new_jobs,
       count(*) filter (where outcome = 'merged_duplicate') as merged_duplicates,
       count(*) filter (where outcome = 'quarantined') as quarantined,
       count(*) filter (where outcome = 'held') as held,
       case when bool_or(outcome = 'held') then 'held' else 'loaded' end as status,
       any_value(h.checks || ': ' || h.reason) as hold_reason,
       any_value(o.batch_started_at) as landed_at,
       now() as processed_at,
       {{ run_id }} as run_id
from staging.posting_outcome as o
join staging.run_batch as m using (batch_id)
left join staging.batch_hold as h using (batch_id)
group by o.batch_id;

insert or replace into audit.batch_profile by name
select p.*, now() as processed_at
from staging.batch_profile as p
where p.batch_id not in (select batch_id from staging.batch_hold);
