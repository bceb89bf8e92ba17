"""Deduplication: one vacancy → one job, with lineage to every copy.

Why this shape: the same vacancy reaches us from several boards and feeds, and again when it is
re-posted, each time worded a little differently (decorated title, legal vs shop name, salary in
another unit, description re-ordered or wrapped in a board's boilerplate, coarser address, dates a
few days apart). Different vacancies of one employer look alike too (another store, shift or
salary). So matching is three steps, all set-based:

1. **Blocking** (DuckDB): a posting is compared only with postings sharing a block key: district
   (a posting naming only its city meets every district's, in city-sized blocks) + the employer's
   trade-name prefix (字号, the first two characters after the place prefix, which a
   legal name and a shop name share) + one of: normalised title, salary, stated working hours or
   contact person, or a MinHash value of the description (a text fingerprint that stands in for the
   occupation when titles are synonyms).
   Big blocks are cut into sorted buckets, so candidate pairs grow linearly with postings.
2. **Scoring** (numpy, vectorised over pairs; Fellegi–Sunter): each pair's comparison vector —
   graded levels of title, description (MinHash Jaccard over clauses), employer, pay (in its own
   unit), headcount, employment type, the store's details, its place, days apart — weighted by
   log2(m/u), with m, u and λ estimated by EM on the run's own candidate pairs (``model``; vetoed
   pairs are known non-duplicates, the store-level comparisons are weighed by the vacancy-level
   posterior), so the weights come from the data, not from the set they were tuned on. Vetoes only
   where one detail decides (another branch, town, street number, coordinates, district, city or
   shift; pay offers apart; > 90 days).
3. **Clustering** (union-find, strongest edges first): two clusters merge only if no copy of one
   vetoes a copy of the other, so a vague copy (legal name, district-level address) cannot chain two
   branches into one job. An existing job enters with all its copies joined; a new copy that links two
   existing jobs merges them (the older id survives, the younger one redirects).

Incremental: the run's postings are matched against each other and against the existing pool
(``core.posting``, read-only); a posting that matches an existing job takes its ``job_id``, a new
cluster gets ``job_id = md5(source|source_record_id of its earliest posting)[:16]``, so ids are stable
across runs and a rerun gives the same answer. Only ``load`` changes core.

Modules, in the order a run uses them: ``blocking`` (features and candidate pairs), ``score``
(comparison levels and vetoes), ``model`` (m/u/λ by EM, match probability; prior in ``model.toml``),
``cluster`` (pairs → jobs), ``run`` (one run against the pool), ``explain`` (why two postings are or
are not one job: ``jobpool explain``; where labelled pairs are lost: ``--pairs``) and ``evaluate``
(quality against labelled truth, and the baselines). docs/dedup.md.
"""
