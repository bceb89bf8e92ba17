-- The seekers an incremental match run recomputes: run by circle/publish.py refresh_matches.
-- Creates m_affected (profile_id): one row per seeker whose profile changed since it was last matched
-- (core.profile matched_hash ≠ content_hash) or whom a changed job reaches.
-- Reads core.profile and m_touched (profile_id): created by refresh_matches, filled by
-- circle/sql/match/touched.sql.
create or replace temp table m_affected as
select profile_id from core.profile where matched_hash is distinct from content_hash
union select profile_id from m_touched
