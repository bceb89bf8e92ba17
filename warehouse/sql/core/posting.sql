-- core.posting: one row per source record (its latest version). Upsert this run's accepted records.
merge into core.posting as target
using (
    select source, source_record_id, job_id, match_key, match_rule, match_score, text_signature,
           match_branch, match_road_no, match_hours, match_headcount, match_contact, match_employer,
           match_shift_name, content_hash, batch_id,
           record_index, url, title, title_norm, description, employer_name, employer_key,
           employer_branch, address, city_adcode, district_adcode, town, town_adcode, latitude,
           longitude, coord_status, salary_text, salary_currency, salary_period, salary_min,
           salary_max, salary_months, salary_negotiable, salary_monthly_min, salary_monthly_max,
           employment_type, is_short_term, is_flexible, is_temporary, is_daily_pay, is_night_shift,
           for_mothers, for_seniors, for_disabled, tag_rules, date_posted, valid_through,
           fetched_at as first_seen_at, fetched_at as last_seen_at
    from staging.posting_outcome
    where outcome in ('new_job', 'merged_duplicate') and copy_rank = 1
) as incoming
on target.source = incoming.source and target.source_record_id = incoming.source_record_id
when matched and target.content_hash = incoming.content_hash then update set
    last_seen_at = greatest(target.last_seen_at, incoming.last_seen_at)
when matched then update set
    job_id = incoming.job_id, match_key = incoming.match_key, match_rule = incoming.match_rule,
    match_score = incoming.match_score, text_signature = incoming.text_signature,
    match_branch = incoming.match_branch, match_road_no = incoming.match_road_no, match_hours = incoming.match_hours,
    match_headcount = incoming.match_headcount, match_contact = incoming.match_contact,
    match_employer = incoming.match_employer, match_shift_name = incoming.match_shift_name,
    content_hash = incoming.content_hash, batch_id = incoming.batch_id,
    record_index = incoming.record_index, url = incoming.url, title = incoming.title,
    title_norm = incoming.title_norm, description = incoming.description,
    employer_name = incoming.employer_name, employer_key = incoming.employer_key,
    employer_branch = incoming.employer_branch, address = incoming.address,
    city_adcode = incoming.city_adcode, district_adcode = incoming.district_adcode,
    town = incoming.town, town_adcode = incoming.town_adcode, latitude = incoming.latitude,
    longitude = incoming.longitude, coord_status = incoming.coord_status,
    salary_text = incoming.salary_text, salary_currency = incoming.salary_currency,
    salary_period = incoming.salary_period, salary_min = incoming.salary_min,
    salary_max = incoming.salary_max, salary_months = incoming.salary_months,
    salary_negotiable = incoming.salary_negotiable, salary_monthly_min = incoming.salary_monthly_min,
    salary_monthly_max = incoming.salary_monthly_max, employment_type = incoming.employment_type,
    is_short_term = incoming.is_short_term, is_flexible = incoming.is_flexible,
    is_temporary = incoming.is_temporary, is_daily_pay = incoming.is_daily_pay,
    is_night_shift = incoming.is_night_shift, for_mothers = incoming.for_mothers,
    for_seniors = incoming.for_seniors, for_disabled = incoming.for_disabled,
    tag_rules = incoming.tag_rules, date_posted = incoming.date_posted,
    valid_through = incoming.valid_through,
    last_seen_at = greatest(target.last_seen_at, incoming.last_seen_at)
when not matched then insert by name;
