-- One row per landed record of the batches this run processes, exactly as landed (text fields).
create or replace table staging.landing_posting as
with source as (
    select * from read_parquet({{ files }}, union_by_name = true)
),
batches as (
    select batch_id, started_at::timestamptz as batch_started_at
    from (select unnest({{ batch_ids }}) as batch_id, unnest({{ batch_started }}) as started_at)
)
select source.*, batches.batch_started_at
from source
join batches using (batch_id);
