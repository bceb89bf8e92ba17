"""The map's render functions: title, legend, layers, district names and scale bar in the SVG/HTML and in
the PNG; every text from data escaped (HTML, SVG, the embedded JSON); the PNG's pinyin fallback without a
CJK font; the side panel's lists (a station's jobs within its circle, a town's jobs)."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from circle import map as cmap
from transforms.vocabulary import CITY_ADCODE, fences

EVIL = "<script>alert(1)</script>"


def _job(i: int, lat: float, lon: float, town: str, **kw: object) -> dict:
    job = {"job_id": f"j{i:03d}", "title": f"岗位{i}", "employer": "某公司", "town": "", "lat": lat, "lon": lon,
           "type": "FULL_TIME", "for_mothers": False, "for_seniors": False, "for_disabled": False, "salary": "",
           "town_adcode": town}
    job.update(kw)
    return job


def _data(jobs: list[dict] | None = None) -> dict:
    jobs = jobs if jobs is not None else [
        _job(0, 35.41, 116.59, "370811002", title=EVIL, employer="<img src=x onerror=alert(2)>", for_mothers=True),
        _job(1, 35.42, 116.60, "370811002", type="PART_TIME", for_seniors=True),
        _job(2, 35.60, 116.99, "370883100"),
    ]
    stations = [{"id": "s1", "name": "</script><b>驿站</b>", "kind": "employment_station", "lat": 35.41,
                 "lon": 116.59, "jobs": 2, "seekers": 1, "suggestion": "keep & <go>", "rank": 1, "district": "370811"}]
    towns = [{"adcode": "370811002", "name": "许庄<i>街道</i>", "district": "370811", "lat": 35.356, "lon": 116.578,
              "jobs": 2, "seekers": 2, "nearest": "x", "km": 1.0, "is_gap": False},
             {"adcode": "370883100", "name": "唐村镇", "district": "370883", "lat": 35.35, "lon": 117.1, "jobs": 1,
              "seekers": 5, "nearest": "</script>", "km": 9.5, "is_gap": True}]
    return {"fences": fences(), "jobs": jobs, "stations": stations, "towns": towns, "radius_km": 3.75,
            "as_of": "2026-12-04"}


def _embedded(page: str) -> dict:
    raw = re.search(r'<script type="application/json" id="map-data">(.*?)</script>', page, re.S)
    assert raw
    return json.loads(raw.group(1))


def test_svg_has_title_layers_district_names_and_scale_bar() -> None:
    svg = cmap.render_svg(_data())
    assert cmap.TITLE in svg
    for layer in ("jobs", "stations", "seekers", "towns", "gaps"):
        assert f'<g id="layer-{layer}"' in svg
    names = [f["name"] for code, f in fences().items() if code != CITY_ADCODE]
    labels = re.findall(r'<text class="district"[^>]*>([^<]+)</text>', svg)
    assert sorted(labels) == sorted(names) and len(labels) == 11
    assert re.search(r'<text id="scalebar-label"[^>]*>\d+ km</text>', svg)
    assert 'data-station="0"' in svg and svg.count("data-town=") == 3  # two town dots and one gap ring


def test_page_has_legend_layer_switches_filters_search_and_panel() -> None:
    data = _data()
    page = cmap.render_html(data, cmap.render_svg(data))
    for layer in ("jobs", "stations", "seekers", "towns", "gaps"):
        assert f'data-layer="{layer}" id="toggle-{layer}"' in page
    for label in ("妈妈岗", "银龄岗", "助残岗"):
        assert re.search(rf'<input type="checkbox" data-group="\d" id="group-\w+"> {label}</label>', page)
    assert page.count("<option value=") == 1 + 7  # all types + schema.org's seven
    for element in ('id="search"', 'id="panel"', 'id="panel-list"', 'id="zoom-in"', 'id="filter-count"'):
        assert element in page
    assert "few → many" in page and "15-minute" in page


def test_every_text_from_data_is_escaped() -> None:
    data = _data()
    page = cmap.render_html(data, cmap.render_svg(data))
    assert EVIL not in page and "<img src=x" not in page and "<b>驿站" not in page and "<i>街道" not in page
    assert page.count("<script") == 2 and page.count("</script>") == 2  # the data block and the static script
    assert "&lt;/script&gt;&lt;b&gt;驿站&lt;/b&gt;" in page  # the station's hover title and table cell
    model = _embedded(page)  # \u003c etc. decode back to the very same text
    assert model["jobs"][0][0] == EVIL and model["jobs"][0][1] == "<img src=x onerror=alert(2)>"
    assert model["stations"][0]["name"] == "</script><b>驿站</b>"
    assert "innerHTML" not in cmap._SCRIPT and "insertAdjacentHTML" not in cmap._SCRIPT


def test_embed_json_cannot_close_the_script() -> None:
    value = {"a": "</script><!-- & \u2028 \u2029 >"}
    text = cmap.embed_json(value)
    assert not set(text) & {"<", ">", "&", "\u2028", "\u2029"}
    assert json.loads(text) == value


def test_page_model_lists_a_stations_jobs_nearest_first_and_a_towns_jobs() -> None:
    far = [_job(i, 35.41 + 0.0005 * i, 116.59, "370811002") for i in range(5)] + [_job(9, 35.7, 116.59, "370883100")]
    data = _data(far)
    model = cmap.page_model(data, cmap.Projection.fit(data["fences"][CITY_ADCODE]["bbox"]))
    station = model["stations"][0]
    assert station["n"] == 5  # the job 32 km north is outside the 3.75 km circle
    listed = [model["jobs"][i][0] for i, _ in station["jobs"]]
    assert listed == [f"岗位{i}" for i in range(5)]
    assert [km for _, km in station["jobs"]] == sorted(km for _, km in station["jobs"])
    assert [model["jobs"][i][0] for (i,) in model["towns"][1]["jobs"]] == ["岗位9"]
    assert model["towns"][0]["seekers"] == "fewer than 3" and model["towns"][1]["seekers"] == "5"
    assert len(model["jobs"]) == 6 and model["total"] == 6


def test_lists_are_capped(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cmap, "LIST_MAX", 3)
    data = _data([_job(i, 35.41, 116.59, "370811002") for i in range(10)])
    model = cmap.page_model(data, cmap.Projection.fit(data["fences"][CITY_ADCODE]["bbox"]))
    assert model["stations"][0]["n"] == 10 and len(model["stations"][0]["jobs"]) == 3
    assert model["towns"][0]["n"] == 10 and len(model["towns"][0]["jobs"]) == 3


def test_cells_count_each_type_and_group_combination() -> None:
    grid = cmap.cells(_data()["jobs"])
    assert sum(sum(v.values()) for v in grid.values()) == 3
    keys = {k for v in grid.values() for k in v}
    full, part = cmap.EMPLOYMENT_TYPES.index("FULL_TIME"), cmap.EMPLOYMENT_TYPES.index("PART_TIME")
    assert keys == {full * 8 + 1, part * 8 + 2, full * 8}  # mothers = bit 0, seniors = bit 1


def test_scale_bar_and_centroid() -> None:
    assert cmap.scale_bar(3.0) == (50, 150.0)
    assert cmap.scale_bar(40.0) == (2, 80.0)
    assert cmap.centroid([[0, 0], [2, 0], [2, 2], [0, 2]]) == pytest.approx((1.0, 1.0))


def _pixels(raw: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(raw)).convert("RGB")).astype(int)


def _ink(img: np.ndarray, box: tuple[int, int, int, int]) -> int:
    x0, y0, x1, y1 = box
    return int((img[y0:y1, x0:x1].sum(axis=2) < 300).sum())


@pytest.mark.parametrize("cjk", [True, False])
def test_png_has_title_legend_district_names_and_scale_bar(cjk: bool) -> None:
    font = cmap.find_font()[0] if cjk else "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
    if not font or not Path(font).is_file():
        font = None  # Pillow's own font: still text, never a crash
    data = _data()
    img = _pixels(cmap.render_png(data, font, cjk and font is not None))
    proj = cmap.Projection.fit(data["fences"][CITY_ADCODE]["bbox"])
    assert _ink(img, (cmap.MARGIN, cmap.MARGIN, cmap.MARGIN + 300, cmap.MARGIN + 30)) > 200  # the title
    lines = 3 + len(cmap.KIND_STYLE)
    legend_top = proj.height - 30 - lines * 22
    assert _ink(img, (cmap.MARGIN + 30, legend_top + 20, cmap.MARGIN + 340, proj.height - 20)) > 500  # legend
    x, y = proj.xy(*cmap.centroid(fences()["370883"]["rings"][0]))
    assert _ink(img, (int(x) - 40, int(y) - 12, int(x) + 40, int(y) + 12)) > 40  # 邹城市 / Zoucheng
    bar = img[legend_top - 34:legend_top - 27, cmap.MARGIN:cmap.MARGIN + 100]
    assert (bar.sum(axis=2) < 200).mean() > 0.5  # the scale bar


def test_without_a_cjk_font_labels_are_pinyin_and_say_why() -> None:
    words = cmap._label_text(_data(), cjk=False)
    assert all(name.isascii() for name in [words["title"], *words["districts"].values(), *words["kinds"].values()])
    assert words["districts"]["370883"] == "Zoucheng" and "fonts-wqy-zenhei" in words["note"]
    assert cmap._label_text(_data(), cjk=True)["districts"]["370883"] == "邹城市"


def test_find_font_prefers_the_pinned_then_falls_back(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    pinned = tmp_path / "font.ttf"
    pinned.write_bytes(b"x")
    monkeypatch.setenv("JOBPOOL_MAP_FONT", str(pinned))
    assert cmap.find_font() == (str(pinned), True)
    monkeypatch.setenv("JOBPOOL_MAP_FONT", str(tmp_path / "missing.ttf"))
    monkeypatch.setattr(cmap, "CJK_FONTS", ())
    monkeypatch.setattr(cmap.shutil, "which", lambda _: None)
    monkeypatch.setattr(cmap, "LATIN_FONTS", (str(tmp_path / "nope.ttf"),))
    assert cmap.find_font() == (None, False)
    raw = cmap.render_png(_data(), None, False)  # no font file at all: Pillow's built-in font, no crash
    assert raw[:8] == b"\x89PNG\r\n\x1a\n"
