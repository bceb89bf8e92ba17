"""Normalisation: one module per posting field (``salary``, ``place``, ``employment``, ``employer``,
``title``, ``dates``, ``pii``), and ``run.py``, which applies them to landed batches (row at a time
for reference, column at a time with a process pool for volume; docs/normalisation.md)."""
