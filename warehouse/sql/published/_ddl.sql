-- published: what apps and analysts read. The model files beside this one are plain queries;
-- warehouse/publish.py materialises them (open_jobs, job_sources and employers incrementally by
-- their key, the small aggregates whole), all in the publish transaction. warehouse/publish.py
-- PUBLISHED lists every published table, including the circle's (circle/sql/published, rebuilt by
-- circle/publish.py in the same transaction).
create schema if not exists published;
