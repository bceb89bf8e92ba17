"""Pure transforms of landed postings: no warehouse, no I/O beyond the reference data beside them.

Owns: the field's shared vocabulary (``vocabulary.py``: the city, its districts and towns,
employment types, the special groups); reading each posting field (``normalise/``: one module per
field, ``run.py`` applies them to a batch); deciding which postings are one job (``dedup/``:
blocking, scoring, clustering, evaluation); the reference data they read (``reference/``).

May import: ``landing`` (the record schema). The warehouse calls into it; it never calls back.
"""
