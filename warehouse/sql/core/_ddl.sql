-- core: the unified job pool. One row of core.posting per source record (its latest version),
-- one row of core.job per deduplicated vacancy.
create schema if not exists core;

create table if not exists core.posting (
    -- ids
    source              varchar not null,
    source_record_id    varchar not null,
    job_id              varchar not null,
    match_key           varchar not null,
    match_rule          varchar not null,
    content_hash        varchar not null,
    batch_id            varchar not null,
    record_index        bigint not null,
    url                 varchar,
    -- posting
    title               varchar,
    title_norm          varchar,
    description         varchar,               -- personal data masked
    employer_name       varchar,
    employer_key        varchar,
    employer_branch     varchar,
    -- place
    address             varchar,
    city_adcode         varchar,
    district_adcode     varchar,
    town                varchar,
    town_adcode         varchar,
    latitude            double,
    longitude           double,
    coord_status        varchar,
    -- salary
    salary_text         varchar,
    salary_currency     varchar,
    salary_period       varchar,               -- schema.org unitText: HOUR DAY WEEK MONTH YEAR
    salary_min          double,
    salary_max          double,
    salary_months       integer,
    salary_negotiable   boolean,
    salary_monthly_min  double,
    salary_monthly_max  double,
    -- job type and groups
    employment_type     varchar,               -- schema.org employmentType
    is_short_term       boolean,
    is_flexible         boolean,
    is_temporary        boolean,
    is_daily_pay        boolean,
    is_night_shift      boolean,
    for_mothers         boolean,
    for_seniors         boolean,
    for_disabled        boolean,
    tag_rules           varchar,
    -- dates
    date_posted         date,
    valid_through       date,
    first_seen_at       timestamptz not null,
    last_seen_at        timestamptz not null,
    primary key (source, source_record_id)
);

-- Deduplication lineage (transforms/dedup/run.py): how strongly the record matched its job, and the
-- MinHash signature of its description, so later runs block against it without re-reading text.
alter table core.posting add column if not exists match_score double;
alter table core.posting add column if not exists text_signature uinteger[];
-- fields dedup parses out of the text ('' = not stated; null = loaded before they were stored)
alter table core.posting add column if not exists match_branch varchar;
alter table core.posting add column if not exists match_road_no varchar;
alter table core.posting add column if not exists match_hours varchar;
alter table core.posting add column if not exists match_headcount varchar;
alter table core.posting add column if not exists match_contact varchar;
alter table core.posting add column if not exists match_employer varchar;   -- employer key without place prefixes
alter table core.posting add column if not exists match_shift_name varchar; -- 夜班, 早班 … when it names one

create table if not exists core.job (
    job_id              varchar primary key,
    match_key           varchar not null,
    title               varchar,
    description         varchar,
    employer_name       varchar,
    employer_key        varchar,
    employer_branch     varchar,
    address             varchar,
    city_adcode         varchar,
    district_adcode     varchar,
    town                varchar,
    latitude            double,
    longitude           double,
    salary_text         varchar,
    salary_currency     varchar,
    salary_period       varchar,
    salary_min          double,
    salary_max          double,
    salary_monthly_min  double,
    salary_monthly_max  double,
    salary_negotiable   boolean,
    employment_type     varchar,
    is_short_term       boolean,
    is_flexible         boolean,
    is_temporary        boolean,
    is_daily_pay        boolean,
    is_night_shift      boolean,
    for_mothers         boolean,
    for_seniors         boolean,
    for_disabled        boolean,
    date_posted         date,
    valid_through       date,
    n_postings          integer not null,
    n_sources           integer not null,
    sources             varchar[],
    first_seen_at       timestamptz not null,
    last_seen_at        timestamptz not null
);

-- A job's lifecycle: open until its validThrough passes or no source has shown it for a while
-- (per source, warehouse/expiry.toml); closed jobs leave published.open_jobs, stay in history.
alter table core.job add column if not exists status varchar default 'open';
alter table core.job add column if not exists closed_at timestamptz;
alter table core.job add column if not exists close_reason varchar;
-- survivorship lineage (core/job.sql): the copy (source:source_record_id) each field group came from
alter table core.job add column if not exists field_sources struct(
    title varchar, description varchar, employer varchar, branch varchar, place varchar, salary varchar,
    employment_type varchar);

-- SCD type 2: one row per version of a job; a change of title, salary, type, status, validThrough
-- or description starts a new version (valid_to of the old one = valid_from of the new one).
create table if not exists core.job_history (
    job_id              varchar not null,
    version             integer not null,
    valid_from          timestamptz not null,
    valid_to            timestamptz,           -- null: the current version
    is_current          boolean not null,
    row_hash            varchar not null,      -- of the tracked attributes
    status              varchar,
    close_reason        varchar,
    title               varchar,
    employer_name       varchar,
    district_adcode     varchar,
    town                varchar,
    employment_type     varchar,
    is_short_term       boolean,
    is_flexible         boolean,
    is_temporary        boolean,
    for_mothers         boolean,
    for_seniors         boolean,
    for_disabled        boolean,
    salary_period       varchar,
    salary_monthly_min  double,
    salary_monthly_max  double,
    description_hash    varchar,
    date_posted         date,
    valid_through       date,
    primary key (job_id, version)
);

-- The 15-minute circle and job radar (circle/publish.py, docs/circle.md).
-- core.station: one row per employment service station, from the landed stations feeds (none by default).
create table if not exists core.station (
    station_id          varchar primary key,
    name                varchar,
    kind                varchar,               -- employment_station | gig_market | community_point
    district_adcode     varchar,
    town                varchar,
    address             varchar,
    latitude            double not null,
    longitude           double not null,
    source              varchar not null,      -- the stations feed
    is_demo             boolean not null,
    updated_at          timestamptz
);

-- core.profile: one row per job seeker (latest version). No names or phones: those stay in landing.
-- The home point is here only, to measure distances; published tables carry a coarse H3 cell.
create table if not exists core.profile (
    profile_id          varchar primary key,   -- keyed hash of source + source_record_id
    source              varchar not null,
    source_record_id    varchar not null,
    skills              varchar[],
    desired_titles      varchar[],
    trades              varchar[],             -- circle.radar.TRADES wanted
    kw_mask             hugeint,               -- title keywords wanted, as bits of KEYWORDS
    salary_expected     double,                -- monthly CNY
    hours               varchar,               -- full | part | flexible
    profile_group       varchar,               -- mother | senior | disabled
    mode                varchar not null,      -- walk | bike
    minutes             integer not null,
    home_lat            double not null,
    home_lon            double not null,
    content_hash        varchar not null,
    updated_at          timestamptz,
    matched_hash        varchar                -- content_hash the current matches were computed from
);

-- core.job_match: the current top-N open jobs per profile (recomputed only for affected profiles).
create table if not exists core.job_match (
    profile_id          varchar not null,
    rank                integer not null,
    job_id              varchar not null,
    score               double,
    distance_km         double,
    mode                varchar,
    travel_minutes      double,
    distance_score      double,
    title_score         double,
    salary_score        double,
    schedule_score      double,
    profile_group       varchar,
    reasons             varchar,
    computed_at         timestamptz,
    primary key (profile_id, rank)
);

-- core.match_job_state: the open jobs (position, trade, scored fields) the matches were computed from,
-- so the next run knows which jobs changed. core.match_state: the scoring parameters used.
create table if not exists core.match_job_state (
    job_id              varchar primary key,
    row_hash            varchar not null,
    latitude            double,
    longitude           double,
    trade               varchar
);
create table if not exists core.match_state (
    params_hash         varchar,
    computed_at         timestamptz
);

-- core.job_geo: what the circle and the job radar read of each open job with coordinates, derived once
-- per change of the job (circle/publish.py refresh_job_geo): H3 cells, nearest town centre, trade,
-- keyword mask, pay. input_hash is of the core.job fields (and rule version) it was derived from;
-- row_hash of the fields a match scores (a change of it re-ranks the seekers around the job).
create table if not exists core.job_geo (
    job_id              varchar primary key,
    input_hash          ubigint not null,
    latitude            double not null,
    longitude           double not null,
    title               varchar,
    trade               varchar,
    kw_mask             hugeint,
    monthly_pay         double,
    employment_type     varchar,
    is_short_term       boolean,
    is_flexible         boolean,
    is_temporary        boolean,
    is_daily_pay        boolean,
    for_mothers         boolean,
    for_seniors         boolean,
    for_disabled        boolean,
    cell                ubigint,               -- H3 at circle.geo.FINE_RES
    circle_cell         ubigint,               -- H3 at the station circle's resolution
    town_adcode         varchar,               -- nearest town/street centre (a Voronoi split of the city)
    row_hash            varchar not null
);

-- What load changed since the last publish (an outbox, emptied by publish in its own transaction):
-- the jobs rebuilt or whose status changed (with their employer before and after) and the postings
-- merged. Publish rewrites only these rows of the published tables (warehouse/publish.py).
create table if not exists core.job_change (
    job_id              varchar not null,
    employer_key        varchar
);
create table if not exists core.posting_change (
    source              varchar not null,
    source_record_id    varchar not null
);

-- core.job_redirect: one row per job id retired because a later copy showed two jobs are one vacancy
-- (deduplication merged them; the older job keeps its id). Apps holding a retired id resolve it here
-- (published.job_redirects, the API's /jobs/{id}); a chain of merges always points at the live job.
create table if not exists core.job_redirect (
    retired_job_id      varchar primary key,
    job_id              varchar not null,   -- the job it is now part of (never itself retired)
    merged_at           timestamptz not null,
    run_id              varchar
);
