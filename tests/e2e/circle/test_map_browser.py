"""The employment map in a real browser (headless Chromium via Playwright, nothing fetched): a map
written from a warehouse the pipeline published (generated postings, the demo stations, demo seekers)
switches layers, zooms and pans, lists a station's and a town's jobs in the side panel, filters by
妈妈岗, and keeps hostile text inert. Chromium missing fails the test: CI installs it (.ci/run)."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from landing.paths import Paths


def _chromium() -> str:
    found = os.environ.get("JOBPOOL_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
    assert found, "chromium not found: apt-get install -y chromium (CI's .ci/run installs it)"
    return found


def _save(page: Page, tmp: Path, name: str) -> Path:
    """A screenshot under the test's tmp dir, copied to $JOBPOOL_ARTEFACTS when set (CI keeps it)."""
    shot = tmp / name
    page.screenshot(path=str(shot), full_page=False)
    if os.environ.get("JOBPOOL_ARTEFACTS"):
        target = Path(os.environ["JOBPOOL_ARTEFACTS"])
        target.mkdir(parents=True, exist_ok=True)
        shutil.copy(shot, target / name)
    return shot


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    from circle.map import write_map
    from demo.bench import land_generated
    from demo.profiles import write_demo_profiles
    from demo.stations import land_demo_stations
    from feeds.reference import ingest_reference
    from jobpool.pipeline import run_all

    base = tmp_path_factory.mktemp("map_browser")
    root = Paths(base / "home")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("JOBPOOL_HOME", str(root.home))
        land_generated(root, 1200, seed=5, base_date=datetime.now(UTC).date() - timedelta(days=3))
        land_demo_stations(root)
        profiles = write_demo_profiles(base / "profiles.csv", seed=3, n=200)
        assert ingest_reference(profiles, "profile_demo", root=root)["records"] == 200
        run_all(root)
        written = write_map(base / "map", root)
    return {"root": root, "base": base, "html": Path(written["html"]), "written": written}


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=_chromium(), args=["--no-sandbox"])
        try:
            yield browser
        finally:
            browser.close()


def _open(browser: Browser, html: Path) -> tuple[Page, dict[str, list[str]]]:
    """The page at 1400×1000 with every non-file request blocked and recorded, and JS errors kept."""
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    seen: dict[str, list[str]] = {"fetched": [], "errors": [], "dialogs": []}

    def route(r: Any) -> None:
        if r.request.url.startswith("file:"):
            r.continue_()
        else:
            seen["fetched"].append(r.request.url)
            r.abort()

    page.route("**/*", route)
    page.on("pageerror", lambda e: seen["errors"].append(str(e)))
    page.on("console", lambda m: seen["errors"].append(m.text) if m.type == "error" else None)
    page.on("dialog", lambda d: (seen["dialogs"].append(d.message), d.dismiss()))
    page.goto(html.as_uri())
    return page, seen


def _search_and_open(page: Page, text: str, suffix: str) -> None:
    page.fill("#search", text)
    page.locator("#search-results button", has_text=suffix).first.click()


def test_map_in_a_browser(world: dict[str, Any], browser: Browser, tmp_path: Path) -> None:
    from circle.publish import jobs_near

    con = duckdb.connect(str(world["root"].warehouse), read_only=True)
    try:
        sid, name, lat, lon, n_bike = con.execute(
            "select station_id, station_name, latitude, longitude, open_jobs_bike from published.station_report "
            "where station_kind = 'employment_station' order by demand_rank limit 1").fetchone()
        near = jobs_near(con, lat, lon, 15, "bike")
        mothers = con.execute("select count(*) from published.open_jobs where for_mothers and latitude is not null"
                              ).fetchone()[0]
        total = con.execute("select count(*) from published.open_jobs where latitude is not null").fetchone()[0]
        town, town_jobs = con.execute("select town, open_jobs from published.town_coverage where is_gap "
                                      "order by open_jobs desc, town_adcode limit 1").fetchone()
    finally:
        con.close()
    assert n_bike == len(near) > 0 and mothers > 0 and town_jobs > 0

    page, seen = _open(browser, world["html"])
    # title, legend, district names, scale bar
    assert "济宁就业地图" in page.title()
    assert page.locator("#labels .district").count() == 11
    assert page.locator("#scalebar-label").text_content().endswith("km")
    assert page.locator(".legend").first.inner_text().count("15") >= 1

    # layers: stations hide and show; seekers start hidden and show
    station_dots = page.locator("#layer-stations .station")
    assert station_dots.count() == world["written"]["stations"] and station_dots.first.is_visible()
    page.uncheck("#toggle-stations")
    assert not station_dots.first.is_visible()
    page.check("#toggle-stations")
    assert station_dots.first.is_visible()
    seekers = page.locator("#layer-seekers .seekers")
    assert seekers.count() > 0 and not seekers.first.is_visible()
    page.check("#toggle-seekers")
    assert seekers.first.is_visible()
    page.uncheck("#toggle-seekers")

    # zoom (wheel) and pan (drag) move the viewport; the scale bar follows the zoom
    box = page.locator("#map").bounding_box()
    assert box
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    before = page.locator("#scalebar-label").text_content()
    for _ in range(4):
        page.mouse.wheel(0, -200)
    page.wait_for_function("document.getElementById('viewport').getAttribute('transform').includes('scale(2.4')")
    assert page.locator("#scalebar-label").text_content() != before
    moved_from = page.locator("#viewport").get_attribute("transform")
    page.mouse.move(box["x"] + 300, box["y"] + 300)
    page.mouse.down()
    page.mouse.move(box["x"] + 380, box["y"] + 340, steps=5)
    page.mouse.up()
    assert page.locator("#viewport").get_attribute("transform") != moved_from
    page.click("#zoom-reset")

    # the station: found by search (which centres on it), then clicked on the map
    _search_and_open(page, name, "employment station")
    idx = page.locator("#panel-title").inner_text()
    assert idx == name
    page.click("#panel-close")
    assert not page.locator("#panel").is_visible()
    dot = page.locator(f'#layer-stations .station:has(title:text-matches("^#\\\\d+ {name}:"))')
    assert dot.count() == 1
    dot.click()
    assert page.locator("#panel").is_visible() and page.locator("#panel-title").inner_text() == name
    assert page.locator("#selected-reach").get_attribute("display") != "none"
    items = page.locator("#panel-list li strong")
    assert items.all_inner_texts() == [j["title"] for j in near][:200]
    assert f"{n_bike} open jobs" in page.locator("#panel-summary").inner_text()

    # the 妈妈岗 filter: the panel keeps only those jobs, each with its badge; the cells recount
    cells_before = page.locator("#layer-jobs .cell:visible").count()
    page.check("#group-mother")
    listed = page.locator("#panel-list li")
    want = [j["title"] for j in near if j["for_mothers"]][:200]
    assert page.locator("#panel-list li strong").all_inner_texts() == want
    assert all("妈妈岗" in t for t in listed.all_inner_texts())
    assert page.locator("#filter-count").inner_text() == f"{mothers} of {total} open jobs match"
    assert page.locator("#layer-jobs .cell:visible").count() < cells_before
    _save(page, tmp_path, "map-station-mothers.png")
    page.uncheck("#group-mother")
    page.select_option("#filter-type", label="全职 full time")
    assert all("全职 full time" in t for t in page.locator("#panel-list li .meta").all_inner_texts())
    page.select_option("#filter-type", value="")

    # a town without a station: its jobs (nearest-town split, as town_coverage counts them)
    _search_and_open(page, town, "(town)")
    assert page.locator("#panel-title").inner_text() == town
    assert page.locator("#panel-list li").count() == min(town_jobs, 200)
    assert "no station within 15 min" in page.locator("#panel-summary").inner_text()
    _save(page, tmp_path, "map-town.png")
    assert seen == {"fetched": [], "errors": [], "dialogs": []}


def test_hostile_text_stays_text_in_a_browser(browser: Browser, tmp_path: Path) -> None:
    from circle.map import render_html, render_svg
    from transforms.vocabulary import fences

    evil = "<script>alert(1)</script>"
    data = {
        "fences": fences(), "radius_km": 3.75, "as_of": "2026-12-04",
        "jobs": [{"job_id": "j1", "title": evil, "employer": "<img src=x onerror=alert(2)>", "town": "</script>",
                  "lat": 35.41, "lon": 116.59, "type": "FULL_TIME", "for_mothers": True, "for_seniors": False,
                  "for_disabled": False, "salary": "\u2028'\"&amp;", "town_adcode": "370811002"}],
        "stations": [{"id": "s1", "name": "</script><script>alert(3)</script>", "kind": "employment_station",
                      "lat": 35.41, "lon": 116.59, "jobs": 1, "seekers": 0, "suggestion": "<b>keep</b>", "rank": 1,
                      "district": "370811"}],
        "towns": [{"adcode": "370811002", "name": "<svg onload=alert(4)>", "district": "370811", "lat": 35.356,
                   "lon": 116.578, "jobs": 1, "seekers": 4, "nearest": "<i>x</i>", "km": 5.0, "is_gap": True}],
    }
    html_path = tmp_path / "evil.html"
    html_path.write_text(render_html(data, render_svg(data)), encoding="utf-8")
    page, seen = _open(browser, html_path)
    page.locator('[data-station="0"]').click()
    assert page.locator("#panel-title").inner_text() == data["stations"][0]["name"]
    assert page.locator("#panel-list li strong").all_inner_texts() == [evil]
    assert "<img src=x onerror=alert(2)>" in page.locator("#panel-list .meta").inner_text()
    assert page.locator("#panel-list img, #panel-list script, #panel script").count() == 0
    _search_and_open(page, "<svg", "(town)")
    assert page.locator("#panel-title").inner_text() == "<svg onload=alert(4)>"
    assert seen == {"fetched": [], "errors": [], "dialogs": []}
