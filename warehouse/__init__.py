"""The warehouse: landed batches → staging → core → published, in DuckDB.

Owns: the process steps (``steps.py``: stage, normalise, deduplicate, validate, load, publish,
reconcile, release), opening the database and running its SQL models (``db.py``), the SQL models
themselves by layer (``sql/staging``, ``sql/core``, ``sql/published``, ``sql/audit``; each file
says what one row is, its columns are documented beside it), how published models are materialised
(``publish.py``), the immutable snapshots apps read (``snapshot.py``), the Great Expectations suites
and batch health checks (``validation.py``), and per-source expiry and trust (``*.toml``).

May import: ``landing``, ``transforms``. Never a source (``crawlers``, ``feeds``) nor a feature built on it.
"""
