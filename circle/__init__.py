"""The 15-minute employment circle, built on the published pool.

Owns: geometry (``geo.py``: H3 cells, reach by walk/bike), stations (``stations.py``) and job-seeker
profiles (``profiles.py``) loaded from their landed batches, the job radar that matches seekers to
jobs (``radar.py``), the circle's tables built inside publish (``publish.py``, SQL in ``sql/``), and
the employment map (``map.py``). docs/circle.md.

May import: ``landing``, ``transforms``, ``warehouse``. Never a source, never the demo.
"""
