"""One deduplication run: this run's postings against each other and the pool in core, read-only.

Registers the assignment (job id, rule, score per posting), the jobs a bridging copy merges
(retired id → surviving id) and the run's estimated match weights; only ``load`` changes core."""

from __future__ import annotations

import json

import duckdb
import numpy as np
import pyarrow as pa

from transforms.dedup.blocking import (
    BLOCK_BUCKET,
    CITY_SQL,
    DETAIL_KEYS,
    NUM_PERM,
    PARSED,
    TEXT_KEYS,
    _current_signature,
    _emp_core_sql,
    _text_keys,
    block_keys_sql,
    bucketed_keys_sql,
    candidate_pairs_sql,
    node_features_sql,
)
from transforms.dedup.cluster import _same_job_edges, cluster
from transforms.dedup.model import Model, estimate, match_probability
from transforms.dedup.score import _concat, compare, load_nodes

RUN_ORDER = "batch_started_at, batch_id, record_index"


def _core_relation() -> str:
    """core.posting in the shape node_features_sql reads (it has every normalised field it needs)."""
    return "core.posting"


def link_postings(con: duckdb.DuckDBPyConnection) -> None:
    """Match ``staging.posting_normalised`` against itself and against ``core.posting`` (read-only).

    Writes the temp table ``dedup_assignment`` for ``staging/stg_posting_matched.sql``: per landed
    record (batch_id, record_index), copy_rank (1 = the run's latest copy of the record), record_known
    (already in core.posting), job_id, match_rule, match_score, text_signature and parsed fields.
    Deterministic: the same inputs give the same job ids."""
    con.execute("""
        create or replace temp table dd_run as
        select n.batch_id, n.record_index, n.source, n.source_record_id, n.content_hash, n.batch_started_at,
               row_number() over (
                   partition by n.source, n.source_record_id
                   order by n.batch_started_at desc, n.batch_id desc, n.record_index desc) as copy_rank,
               p.job_id as known_job_id,
               coalesce(p.content_hash = n.content_hash, false) as same_content
        from staging.posting_normalised n
        left join core.posting p using (source, source_record_id)
    """)
    # nodes 0..R-1: this run's records that need matching, earliest first (the founder of a new job)
    con.execute(f"""
        create or replace temp table dd_run_nodes as
        select (row_number() over (order by {RUN_ORDER}) - 1)::bigint as node,
               batch_id, record_index, source, source_record_id, content_hash
        from dd_run where copy_rank = 1 and not same_content
    """)
    n_run = con.execute("select count(*) from dd_run_nodes").fetchone()[0]
    con.execute("create or replace temp view dd_run_rows as select r.node, n.* from staging.posting_normalised n "
                "join dd_run_nodes r using (batch_id, record_index)")
    con.execute(f"create or replace temp table dd_run_feat as {node_features_sql('dd_run_rows')}")
    run = load_nodes(con, "dd_run_feat")
    con.register("dd_run_text", _text_keys(run.sig))
    con.execute(f"create or replace temp table dd_run_keys as "
                f"{block_keys_sql('dd_run_feat', 'dd_run_text', bucket=False)}")

    # existing postings that can share a block key with this run: every key starts with a district or
    # city of the run's cities + trade name, so the pool is first cut to the run's (city, trade name)
    # pairs from stored columns (rowid-addressed, no text read); then only rows within the sorted
    # neighbourhood of a run posting are kept: in a block sorted by employer and date, pool rows more
    # than two buckets away from every run row can never pair with one
    con.execute(f"""
        create or replace temp table dd_core_cand as
        select * from (
            select rowid as node, {CITY_SQL} as city,
                   district_adcode as district,
                   coalesce(match_employer, {_emp_core_sql()}) as emp_core, title_norm,
                   salary_monthly_min * 12 / coalesce(nullif(salary_months, 0), 12) as sal_min,
                   (date_posted - date '2000-01-01')::integer as day,
                   {"".join(f"nullif(match_{k}, '') as {k}, " for k in DETAIL_KEYS)}
                   {", ".join(f"({_current_signature()})[{k + 1}] as mh{k}" for k in range(TEXT_KEYS))}
            from core.posting
        ) c semi join (select distinct city, left(emp_core, 2) as stem from dd_run_feat) r
          on r.city = c.city and r.stem = left(c.emp_core, 2)
    """)
    reach = 2 * BLOCK_BUCKET
    con.execute(f"""
        create or replace temp table dd_core_keys as
        with keys as ({block_keys_sql('dd_core_cand', 'dd_core_cand', bucket=False)}),
        pool as (
            select node as core_node, key, emp_core, day, vague, false as is_run
            from keys semi join dd_run_keys using (key)
        ),
        shared as (
            select * from pool
            union all  -- only the blocks the pool shares (a first, full run has none)
            select null, key, emp_core, day, vague, true from dd_run_keys semi join pool using (key)
        ),
        placed as (
            select *, row_number() over (partition by key order by emp_core, day, is_run, core_node) as pos
            from shared
        ),
        near as (
            select *,
                max(case when is_run then pos end) over (partition by key order by pos
                    rows between unbounded preceding and current row) as run_before,
                min(case when is_run then pos end) over (partition by key order by pos
                    rows between current row and unbounded following) as run_after
            from placed
        )
        select core_node, key, emp_core, day, vague from near
        where not is_run and (pos - run_before <= {reach} or run_after - pos <= {reach})
    """)
    # the pool's text is read only for rows loaded before the parsed fields were stored
    legacy = con.execute("select count(*) from core.posting where match_shift_name is null or match_branch is null "
                         "or match_employer is null"
                         f" or {_current_signature()} is null").fetchall()[0][0] > 0
    text_cols = ("title", "description", "address", "employer_branch")
    text = "" if legacy else "".join(f", null::varchar as {c}" for c in text_cols)
    wanted = ("source, source_record_id, job_id, district_adcode, city_adcode, employer_key, title_norm, town, "
              "coord_status, latitude, longitude, salary_monthly_min, salary_monthly_max, salary_months, "
              "salary_period, employment_type, salary_negotiable, is_night_shift, date_posted, text_signature, "
              + ", ".join(f"match_{k}" for k in (*PARSED, "employer"))
              + ("".join(f", {c}" for c in text_cols) if legacy else ""))
    con.execute(f"""
        create or replace temp table dd_core_nodes as
        select ({n_run} + row_number() over (order by p.source, p.source_record_id) - 1)::bigint as node,
               p.rowid as core_node, {wanted}{text}
        from core.posting p
        -- whole jobs: a new posting may join a job only if it conflicts with none of the job's copies,
        -- including those outside its blocks (a job's vague copy must not let a new posting past a
        -- copy that states another store)
        where p.job_id in (select job_id from core.posting where rowid in (select core_node from dd_core_keys))
           -- and the jobs of records delivered again with new content (below: they stay the same posting)
           or p.job_id in (select known_job_id from dd_run where copy_rank = 1 and not same_content)
    """)
    con.execute(f"create or replace temp table dd_core_feat as {node_features_sql('dd_core_nodes', stored=True)}")
    nodes = _concat(run, load_nodes(con, "dd_core_feat", stored=True))
    keyed = """(
        select node, key, emp_core, day, vague from dd_run_keys
        union all
        select c.node, k.key, k.emp_core, k.day, k.vague
        from dd_core_keys k join dd_core_nodes c on c.core_node = k.core_node
    )"""
    con.execute(f"create or replace temp table dd_keys as {bucketed_keys_sql(keyed)}")
    pairs = con.sql(candidate_pairs_sql("dd_keys") + f" where a < {n_run}").fetchnumpy()
    a, b = pairs["a"].astype(np.int64), pairs["b"].astype(np.int64)
    order = np.lexsort((b, a))  # SQL returns pairs in no fixed order; EM's sample and sums must not depend on it
    a, b = a[order], b[order]
    comparisons = compare(nodes, a, b)
    model = estimate(comparisons)
    score = match_probability(model, comparisons)
    job = np.concatenate([np.full(n_run, -1, np.int64), con.sql(
        "select (hash(job_id) >> 1)::bigint as j from dd_core_nodes order by node").fetchnumpy()["j"]])
    # an existing job's copies enter clustering already joined, so its every known detail constrains
    # who may join it; these edges never count as a posting's match score
    job_a, job_b = _same_job_edges(job[n_run:])
    # a record delivered again with new content is the same posting (the source's key says so): its
    # new version joins the job of its previous one, however much the text changed
    same = con.sql("select r.node as a, c.node as b from dd_run_nodes r "
                   "join dd_core_nodes c using (source, source_record_id)").fetchnumpy()
    same_a, same_b = same["a"].astype(np.int64), same["b"].astype(np.int64)
    joined = (np.r_[job_a + n_run, same_a], np.r_[job_b + n_run, same_b])
    job[same_a] = job[same_b]  # an existing posting: never detached as ambiguous
    root, best = cluster(nodes, a, b, score, job, joined=joined)
    _register_model(con, model)
    _assign(con, root, best, nodes.sig[:n_run])


def _register_model(con: duckdb.DuckDBPyConnection, model: Model) -> None:
    """The run's weights as ``dedup_model`` (one row, JSON), kept with the run so a merge can be explained."""
    con.register("dedup_model", pa.table({"model": [json.dumps(model.as_dict(), ensure_ascii=False)]}))


def _assign(con: duckdb.DuckDBPyConnection, root: np.ndarray, best: np.ndarray, run_sig: np.ndarray) -> None:
    """Job ids, rules and scores → ``dedup_assignment``, keyed by (batch_id, record_index), for every
    landed record of the run (exact copies and unchanged records included). A cluster with existing postings takes
    the oldest of their jobs and retires the others (``dd_job_merge``: retired_job_id → job_id); a new
    cluster is named after its earliest posting (nodes are numbered earliest first, and a root is its
    smallest node)."""
    n_run = len(run_sig)
    signatures = pa.ListArray.from_arrays(pa.array(np.arange(0, (n_run + 1) * NUM_PERM, NUM_PERM, dtype=np.int32)),
                                          pa.array(run_sig.reshape(-1)))
    con.register("dd_root", pa.table({
        "node": pa.array(np.arange(len(root), dtype=np.int64)), "root": pa.array(root.astype(np.int64)),
        "best": pa.array(best, from_pandas=True)}))
    con.register("dd_sig", pa.table({"node": pa.array(np.arange(n_run, dtype=np.int64)), "sig": signatures}))
    # the parsed fields go to core.posting with the job ('' = not stated), so later runs need not re-parse
    parsed_m = ", ".join(f"coalesce(f.{k}, '') as {k}" for k in (*PARSED, "emp_core"))
    parsed_out = ",\n            ".join(f"coalesce(m.{k}, first_copy.{k}, k.match_{k}) as match_{k}" for k in PARSED)
    parsed_out += ",\n            coalesce(m.emp_core, first_copy.emp_core, k.match_employer) as match_employer"
    # a cluster holding copies of several existing jobs (a new copy bridged them) keeps the oldest job's
    # id (earliest copy, then id); the others are retired into it
    con.execute("""
        create or replace temp table dd_cluster_jobs as
        with job_age as (
            select job_id, min(coalesce(date_posted, date '9999-12-31')) as first_day
            from dd_core_nodes group by job_id
        )
        select distinct d.root, c.job_id, a.first_day
        from dd_root d join dd_core_nodes c using (node) join job_age a using (job_id)
    """)
    con.execute("create or replace temp table dd_survivor as select root, arg_min(job_id, (first_day, job_id)) "
                "as job_id from dd_cluster_jobs group by root")
    con.execute("""
        create or replace temp table dd_job_merge as
        select distinct c.job_id as retired_job_id, s.job_id
        from dd_cluster_jobs c join dd_survivor s using (root) where c.job_id <> s.job_id
    """)
    # a DuckDB temp table, not an Arrow copy in Python: a million rows of 64-value signatures is 1.2 GB
    con.execute(f"""
        create or replace temp table dedup_assignment as
        with clusters as (
            select d.root, count(*) as size, any_value(s.job_id) as existing_job
            from dd_root d left join dd_survivor s using (root)
            group by d.root
        ),
        new_ids as (
            select r.node as root, md5(r.source || '|' || r.source_record_id) as h, r.content_hash
            from dd_run_nodes r semi join clusters on clusters.root = r.node
        ),
        matched as (
            select n.node, n.source, n.source_record_id, d.best, {parsed_m},
                coalesce(c.existing_job,
                         -- a record that founded a job before and has since moved: keep ids unique
                         case when substr(i.h, 1, 16) in (select job_id from core.job)
                              then substr(md5(i.h || '|' || i.content_hash), 1, 16)
                              else substr(i.h, 1, 16) end) as job_id,
                case when c.size > 1 then 'near_duplicate' else 'no_match' end as match_rule
            from dd_run_nodes n
            join dd_root d using (node)
            join dd_run_feat f using (node)
            join clusters c on c.root = d.root
            left join new_ids i on i.root = d.root
        )
        select r.batch_id, r.record_index, r.copy_rank, r.known_job_id is not null as record_known,
            coalesce(m.job_id, first_copy.job_id, merged.job_id, r.known_job_id) as job_id,
            case when r.copy_rank > 1 then 'exact_copy_in_run'
                 when r.same_content then 'exact_record'
                 else m.match_rule end as match_rule,
            case when r.copy_rank > 1 or r.same_content then 1.0 else m.best end as match_score,
            coalesce(s.sig, k.text_signature) as text_signature,
            {parsed_out}
        from dd_run r
        left join dd_run_nodes n using (batch_id, record_index)
        left join matched m on m.node = n.node
        left join matched first_copy
               on r.copy_rank > 1 and first_copy.source = r.source and first_copy.source_record_id = r.source_record_id
        left join core.posting k on r.same_content and k.source = r.source and k.source_record_id = r.source_record_id
        left join dd_job_merge merged on merged.retired_job_id = r.known_job_id
        -- the signatures (64 values each) joined once, at the end, not carried through the joins above
        left join dd_sig s on s.node = coalesce(m.node, first_copy.node)
    """)
    for name in ("dd_root", "dd_sig"):
        con.unregister(name)
