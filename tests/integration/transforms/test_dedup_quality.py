"""Deduplication quality on a labelled demo site (seed 7): crawled over HTTP and ingested like the
demo, normalised and deduplicated by the real steps, scored against truth.parquet. Thresholds fail
the build on a regression; the two baselines are scored on the same postings and must lose. The
same site is also run the way a deployment sees it, one source after another through the whole
pipeline, each run joining the jobs already loaded."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb
import pytest

from landing.paths import Paths
from transforms.dedup.evaluate import exact_hash_groups, quality, tfidf_cosine_groups

pytestmark = pytest.mark.http

SEED = 7


@contextmanager
def _served_site(tmp_path_factory: pytest.TempPathFactory, name: str) -> Iterator[tuple[Paths, Path]]:
    """The seed's demo site generated under a fresh home, its two boards served over HTTP on 127.0.0.1
    (the crawl sources point at them) while the block runs."""
    from demo.generate import generate_site
    from demo.server import serve

    home = Paths(tmp_path_factory.mktemp(name) / "home")
    site = home.home / "site"
    generate_site(site, seed=SEED, scale=1.0)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("JOBPOOL_HOME", str(home.home))
        with serve(site / "boards" / "jsonld_board") as jsonld, serve(site / "boards" / "plain_board") as plain:
            mp.setenv("JOBPOOL_DEMO_JSONLD_URL", jsonld.url)
            mp.setenv("JOBPOOL_DEMO_PLAIN_URL", plain.url)
            yield home, site


def _rows(home: Paths, sql: str) -> list[tuple]:
    con = duckdb.connect(str(home.warehouse), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


@pytest.fixture(scope="module")
def matched(tmp_path_factory: pytest.TempPathFactory) -> list[tuple]:
    """staging.posting_matched after one run over every source."""
    from crawlers.registry import load_sources
    from crawlers.run import run_crawl
    from demo.run import deliver_feeds
    from feeds.inbox import scan_inbox
    from warehouse.steps import deduplicate, normalise, stage

    with _served_site(tmp_path_factory, "dedup-quality") as (home, site):
        deliver_feeds(site, home)
        for source in load_sources().values():
            run_crawl(source)
        scan_inbox(settle_seconds=0)
        for step in (stage, normalise, deduplicate):
            step(home, "quality")
    return _rows(home, f"select m.job_id, t.vacancy_id, m.title, m.employer_name, m.description, m.match_rule "
                       f"from staging.posting_matched m join '{site / 'truth.parquet'}' t "
                       f"using (source, source_record_id) order by m.source, m.source_record_id")


@pytest.fixture(scope="module")
def incremental(tmp_path_factory: pytest.TempPathFactory) -> list[tuple]:
    """core.posting after three real runs: the JSON-LD board crawled, then the plain board, then
    both feeds; every later run matches into the jobs earlier runs loaded."""
    from crawlers.registry import load_sources
    from crawlers.run import run_crawl
    from demo.run import deliver_feeds
    from feeds.inbox import scan_inbox
    from jobpool.pipeline import run_all

    with _served_site(tmp_path_factory, "dedup-incremental") as (home, site):
        sources = load_sources()
        run_crawl(sources["jsonld_board"])
        run_all(home)
        run_crawl(sources["plain_board"])
        run_all(home)
        deliver_feeds(site, home)
        scan_inbox(settle_seconds=0)
        run_all(home)
    return _rows(home, f"select p.job_id, t.vacancy_id, p.source from core.posting p "
                       f"join '{site / 'truth.parquet'}' t using (source, source_record_id)")


def test_every_posting_is_scored_against_truth(matched: list[tuple]) -> None:
    assert len(matched) > 550  # seed 7 scale 1: 586 postings, two lack a record id in truth
    assert {r[5] for r in matched} <= {"near_duplicate", "no_match", "exact_copy_in_run", "exact_record"}


def test_quality_above_thresholds_and_beats_baselines(matched: list[tuple]) -> None:
    jobs, vacancies = [r[0] for r in matched], [r[1] for r in matched]
    ours = quality(jobs, vacancies)
    exact = quality(exact_hash_groups([r[2] for r in matched], [r[3] for r in matched], [r[4] for r in matched]),
                    vacancies)
    tfidf = quality(tfidf_cosine_groups([r[4] for r in matched], 0.75), vacancies)
    print({"ours": ours.as_dict(), "exact_hash": exact.as_dict(), "tfidf_0.75": tfidf.as_dict()})
    # the matcher is no longer tuned on this generator (docs/dedup.md: its weights come from each run by
    # EM, its threshold from the independent benchmark's development seeds): on this small site the run's
    # weights count 时薪 vs 月薪 copies against a match and its synonym titles it does not know as
    # different, so recall is lower than when the matcher was tuned here (P 0.979, R 0.846)
    assert ours.precision >= 0.97 and ours.f1 >= 0.89, ours
    assert ours.bcubed_f1 >= 0.95, ours
    assert ours.f1 > exact.f1 + 0.2 and ours.f1 > tfidf.f1 + 0.2, (ours, exact, tfidf)


def test_quality_when_sources_arrive_one_run_each(incremental: list[tuple], matched: list[tuple]) -> None:
    assert {r[2] for r in incremental} == {"jsonld_board", "plain_board", "gig_station", "hr_system"}
    assert len(incremental) > 0.95 * len(matched)  # the loaded postings (quarantined ones are not)
    ours = quality([r[0] for r in incremental], [r[1] for r in incremental])
    print({"incremental": ours.as_dict()})
    assert ours.precision >= 0.96 and ours.f1 >= 0.86, ours  # P 0.973, R 0.798
