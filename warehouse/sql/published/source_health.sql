-- published.source_health: one row per source: its last batch, freshness, volume, and the shares of
-- its records merged as duplicates, quarantined and held.
-- (A query: warehouse/publish.py rebuilds it whole each publish.)
with batches as (
    select * from audit.batch
),
recent as (
    select source, median(landed_records) as median_batch_records
    from (select * from batches
          qualify row_number() over (partition by source order by processed_at desc) <= 5)
    group by source
),
totals as (
    select source,
        count(*) as batches,
        max(landed_at) as last_batch_at,
        arg_max(landed_records, landed_at) as last_batch_records,
        arg_max(status, landed_at) as last_batch_status,
        sum(landed_records)::bigint as landed_records,
        sum(new_jobs)::bigint as new_jobs,
        sum(merged_duplicates)::bigint as merged_duplicates,
        sum(quarantined)::bigint as quarantined,
        sum(held)::bigint as held,
        count(*) filter (where status = 'held') as held_batches
    from batches
    group by source
)
select totals.source, batches, last_batch_at, last_batch_status,
       round(date_diff('minute', last_batch_at, {{ as_of }}::timestamptz) / 60.0, 1) as freshness_hours,
       last_batch_records, recent.median_batch_records, landed_records, new_jobs,
       round(merged_duplicates / nullif(landed_records, 0), 4) as duplicate_rate,
       round(quarantined / nullif(landed_records, 0), 4) as quarantine_rate,
       round(held / nullif(landed_records, 0), 4) as held_rate,
       held_batches,
       (select count(*) from core.job as j where j.status = 'open' and list_contains(j.sources, totals.source))
           as open_jobs
from totals
left join recent using (source)
