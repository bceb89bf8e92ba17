-- published: what apps and analysts read. The model files beside this one are plain queries;
-- warehouse/publish.py materialises them (open_jobs, job_sources and employers incrementally by
-- their key, the small aggregates whole), all in the publish transaction.
create schema if not exists published;
