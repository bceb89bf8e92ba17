"""Deduplication: which postings are copies of one job (docs/dedup.md).

``blocking`` (features and candidate pairs), ``score`` (pairwise evidence and the match score),
``cluster`` (pairs → jobs, with vetoes and ambiguity), ``run`` (one run against the pool already in
core), ``evaluate`` (pairwise and B³ quality; the baselines we compare against)."""
