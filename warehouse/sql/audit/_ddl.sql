-- audit: what happened to every batch and every record that did not become (part of) a job.
create schema if not exists audit;

-- One row per landed batch once processed: its outcome counts
-- (landed = new jobs + merged duplicates + quarantined + held).
create table if not exists audit.batch (
    batch_id            varchar primary key,
    source              varchar not null,
    kind                varchar,
    landed_records      bigint not null,
    new_jobs            bigint not null,
    merged_duplicates   bigint not null,
    quarantined         bigint not null,
    held                bigint not null default 0,
    status              varchar not null,      -- loaded | held
    hold_reason         varchar,               -- the failed batch checks, when held
    landed_at           timestamptz,
    processed_at        timestamptz not null,
    run_id              varchar not null
);

-- One row per quarantined landing record, with the first failed check and the observed value.
create table if not exists audit.quarantine (
    source              varchar not null,
    batch_id            varchar not null,
    record_index        bigint not null,
    source_record_id    varchar,
    url                 varchar,
    check_name          varchar not null,
    expectation         varchar,               -- the Great Expectations expectation that failed
    reason              varchar not null,
    observed            varchar,
    quarantined_at      timestamptz not null,
    primary key (batch_id, record_index)
);

-- One row per validation of a staging set (Great Expectations), for trend and audit.
create table if not exists audit.validation_run (
    run_id              varchar not null,
    suite               varchar not null,
    validated_at        timestamptz not null,
    records             bigint not null,
    success             boolean not null,
    failed_expectations varchar[],
    unexpected_records  bigint not null,
    seconds             double
);

-- One row per process run.
create table if not exists audit.process_run (
    run_id              varchar primary key,
    started_at          timestamptz not null,
    finished_at         timestamptz,
    batches             bigint,
    landed_records      bigint,
    new_jobs            bigint,
    merged_duplicates   bigint,
    quarantined         bigint
);

-- One row per loaded batch: the profile that later batches of the same source are compared with.
create table if not exists audit.batch_profile (
    batch_id            varchar primary key,
    source              varchar not null,
    records             bigint not null,
    quarantined         bigint not null,
    null_title          double,
    null_description    double,
    null_salary_text    double,
    null_address        double,
    null_date_posted    double,
    processed_at        timestamptz not null
);

-- A held batch a data engineer looked at and released: batch health checks no longer apply to it.
create table if not exists audit.batch_release (
    batch_id            varchar primary key,
    released_at         timestamptz not null,
    released_by         varchar,
    note                varchar
);

-- audit.reference_batch: one row per loaded stations/profiles batch (kinds kept out of the job pipeline).
create table if not exists audit.reference_batch (
    batch_id            varchar primary key,
    source              varchar not null,
    kind                varchar not null,
    landed_records      bigint not null,
    loaded              bigint not null,
    rejected            bigint not null,
    processed_at        timestamptz not null
);

-- audit.match_run: one row per job-radar refresh: full or incremental, and how much it recomputed.
create table if not exists audit.match_run (
    computed_at         timestamptz not null,
    full_recompute      boolean not null,
    jobs_changed        bigint,
    profiles_changed    bigint,
    profiles_recomputed bigint,
    profiles_total      bigint,
    matches             bigint,
    seconds             double
);

-- audit.match_model: one row per process run that deduplicated: the Fellegi–Sunter weights it
-- estimated by EM (JSON: lambda, pairs, per comparison level m, u and weight = log2(m/u)), so every
-- match_score in core.posting can be explained with the weights that made it (`jobpool explain`).
create table if not exists audit.match_model (
    run_id              varchar primary key,
    estimated_at        timestamptz not null,
    model               varchar not null
);
