"""The landing contract: the one way any source's records enter JobPool.

Owns: where data lives (``paths.py``: ``JOBPOOL_HOME`` and every folder below it, the pipeline's
clock), the Parquet record schema, the atomic batch write, the manifest and whole-file quarantine
(``contract.py``), and limits for parsing hostile JSON (``safejson.py``).

May import: nothing of JobPool. Everything else imports it; downstream stages read landing only
through the manifest (docs/landing.md).
"""
