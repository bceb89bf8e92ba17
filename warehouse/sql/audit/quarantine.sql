-- audit.quarantine: every record of this run that failed a check, with the first failed check.
insert or ignore into audit.quarantine by name
select source, batch_id, record_index, source_record_id, url, check_name, expectation, reason, observed,
       now() as quarantined_at
from staging.posting_outcome
where outcome = 'quarantined';
