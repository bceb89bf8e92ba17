"""The demo and test harness: never imported by production code (an import contract checks it).

Owns: the deterministic demo world (``generate.py``, ``jining_towns.py``, ``stations.py``), the
board server (``server.py``) and a fault-injecting one for crawl tests (``testserver.py``), real
Airflow for the demo, tests and benches (``airflow_local.py``: standalone on SQLite;
``airflow_celery.py``: Celery on PostgreSQL + Redis), the demo run (``run.py``), the pipeline bench
(``bench.py``), and the ``jobpool-demo`` command (``cli.py``).

May import: anything.
"""
