"""The entry points: the ``jobpool`` command (``cli.py``, ``circle_cli.py``), the pipeline as the
CLI and the DAGs run it (``pipeline.py``: the steps in order, publish with the circle), and the
Airflow Assets the DAGs exchange (``assets.py``).

May import: every production package. Nothing imports it but ``dags/`` and ``demo/``.
"""
