-- published.job_redirects: one row per retired job id → the job it was merged into. A later copy showed
-- two jobs were one vacancy; the older job kept its id. An app holding retired_job_id shows job_id
-- (always a live id: chains are resolved at merge time). Rebuilt whole (small).
--   retired_job_id  the id apps may still hold
--   job_id          the job it is part of now (published.open_jobs, published.job_sources)
--   merged_at       when the merge was loaded
select retired_job_id, job_id, merged_at
from core.job_redirect
