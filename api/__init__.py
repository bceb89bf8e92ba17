"""The read API: the published pool over HTTP (``jobpool serve``), for the apps (mini-program, map, kiosks).

Owns: the FastAPI app (``app.py``: routes, error handling, ETag/304), the snapshots it serves
(``snapshots.py``: read-only DuckDB connections pinned per request, swapped when publish makes a new one
current, statement timeouts), the query building (``queries.py``: validated filters, bound parameters,
opaque keyset cursors) and the schema.org JobPosting payload (``jsonld.py``). docs/api.md.

Why its own layer: it only reads published snapshots (``warehouse.snapshot``), never the warehouse a
running pipeline holds locked, so apps are never blocked by the pipeline and the pipeline never by apps.

May import: ``circle`` (reach by walk/bike), ``warehouse`` (snapshot layout), ``transforms`` (the
vocabulary), ``landing`` (paths). Never a source (crawlers, feeds), never the demo.
"""
