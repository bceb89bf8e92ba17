"""Normalisation stage: landed text → typed, comparable fields (one vocabulary for every source).

Each field has its own module (salary, place, employment, employer, title, dates, pii). Two ways to
apply them, with the same output row for row:

* :func:`normalise_rows` — the reference: one posting at a time through the per-value functions.
* :func:`normalise_batch` — the production path, column at a time: every parser runs once per
  *distinct* value of its input (dictionary-encode, parse the dictionary, ``take`` back), coordinates
  are checked and placed in districts with numpy, and RE2 passes over the descriptions (Arrow compute)
  pick the few rows that need the tagging rules or PII masking in Python.

:func:`normalise_batches` streams chunks through :func:`normalise_batch`, in worker processes when the
input is larger than one chunk (``JOBPOOL_NORMALISE_WORKERS``, default: up to 2).

Modules: ``record`` (the normalised record's schema and what both paths read from a landed record),
``rows`` (the reference path), ``columns`` (the production path), ``run`` (chunks through a process
pool), and one module per field. docs/normalisation.md.
"""
