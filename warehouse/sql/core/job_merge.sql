-- Jobs merged by this run (staging.job_merge: a new copy bridged an older job and a younger one, and
-- no copy of either vetoes it). The younger job's copies move to the older job, its id becomes a
-- redirect, and a redirect that pointed at it now points at the survivor, so every retired id
-- resolves in one step. core/job.sql then rebuilds both jobs (the retired one disappears, its
-- history closes). Runs in load after core/posting.sql; idempotent (a second run moves nothing).
insert into core.posting_change  -- the moved copies are republished in published.job_sources
select source, source_record_id from core.posting
where job_id in (select retired_job_id from staging.job_merge);

update core.posting as p set job_id = m.job_id
from staging.job_merge as m
where p.job_id = m.retired_job_id;

update core.job_redirect as r set job_id = m.job_id
from staging.job_merge as m
where r.job_id = m.retired_job_id;

insert or replace into core.job_redirect
select retired_job_id, job_id, now() as merged_at, {{ run_id }} as run_id
from staging.job_merge;
