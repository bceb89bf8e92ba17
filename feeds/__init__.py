"""Sources, part 2: partner feeds (files and APIs a partner sends us) and reference feeds.

Owns: one reader per format (``csv_feed.py`` + ``csv_fast.py``, ``xlsx_feed.py``, ``xml_feed.py``,
``json_feed.py``, ``api_feed.py``) with the shared mapping and limits (``base.py``) and the
partners' column mappings (``partners.toml``); landing one file (``ingest.py``); the inbox
(``inbox.py``, ``ready.py``) and the events that trigger it (``watch.py``, ``events.py``); stations
and job-seeker profile files, which land like postings under another kind (``reference.py``).

May import: ``landing``. Nothing downstream imports it except the entry points (``jobpool``, ``dags``).
"""
