"""The employment map: self-contained HTML (inline SVG and script, nothing fetched) and a valid PNG."""

from __future__ import annotations

import struct
import zlib

import numpy as np

from circle.map import encode_png, render_html, render_png, render_svg
from tests.support.html import assert_self_contained
from transforms.vocabulary import fences


def _data() -> dict:
    def job(i: int, lat: float, lon: float, town: str) -> dict:
        return {"job_id": f"j{i}", "title": f"岗位{i}", "employer": "某公司", "town": "", "lat": lat, "lon": lon,
                "type": "FULL_TIME", "for_mothers": False, "for_seniors": False, "for_disabled": False,
                "salary": "", "town_adcode": town}

    jobs = [job(i, 35.41, 116.59, "370811002") for i in range(12)] + [job(12, 35.6, 116.99, "370883100")]
    stations = [{"id": "s1", "name": "任城区就业驿站（演示）", "kind": "employment_station", "lat": 35.444,
                 "lon": 116.606, "jobs": 12, "seekers": 3, "suggestion": "keep", "rank": 1, "district": "370811"},
                {"id": "s2", "name": "某社区就业服务点（演示）", "kind": "community_point", "lat": 35.60, "lon": 116.99,
                 "jobs": 1, "seekers": 0, "suggestion": "close? no demand", "rank": 2, "district": "370883"}]
    towns = [{"adcode": "370883100", "name": "唐村镇", "district": "370883", "lat": 35.35, "lon": 117.1, "jobs": 7,
              "seekers": 1, "nearest": "邹城市就业驿站（演示）", "km": 9.5, "is_gap": True},
             {"adcode": "370811002", "name": "许庄街道", "district": "370811", "lat": 35.356, "lon": 116.578,
              "jobs": 3, "seekers": 2, "nearest": "任城区就业驿站（演示）", "km": 1.0, "is_gap": False}]
    return {"fences": fences(), "jobs": jobs, "stations": stations, "towns": towns, "radius_km": 3.75,
            "as_of": "2026-12-04"}


def test_html_is_self_contained_and_shows_stations_and_gaps() -> None:
    data = _data()
    page = render_html(data, render_svg(data))
    assert_self_contained(page)
    assert page.count("<svg") == 1 and "任城区就业驿站（演示）" in page
    gap_table = page.split("Gaps:")[1].split("</table>")[0]
    assert "唐村镇" in gap_table and "许庄街道" not in gap_table
    assert page.count('stroke="#d7191c"') == 1  # the gap ring (the legend's swatch is CSS)
    assert page.count("open jobs</title>") == 2  # two H3 cells


def test_png_is_valid_and_draws_the_city() -> None:
    raw = render_png(_data(), font_path=None, cjk=False)
    assert raw[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", raw[16:24])
    assert width == 1000 and 900 < height < 1300
    pos, body = 8, b""
    while pos < len(raw):
        length = struct.unpack(">I", raw[pos:pos + 4])[0]
        tag, chunk = raw[pos + 4:pos + 8], raw[pos + 8:pos + 8 + length]
        assert struct.unpack(">I", raw[pos + 8 + length:pos + 12 + length])[0] == zlib.crc32(tag + chunk)
        body += chunk if tag == b"IDAT" else b""
        pos += 12 + length
    pixels = np.frombuffer(zlib.decompress(body), dtype=np.uint8).reshape(height, 1 + width * 3)[:, 1:]
    img = pixels.reshape(height, width, 3)
    colours = {tuple(c) for c in img.reshape(-1, 3)[::97]}
    assert (255, 255, 255) in colours  # the city fill
    assert (0xD7, 0x19, 0x1C) in {tuple(c) for c in img.reshape(-1, 3)}  # a gap ring


def test_encode_png_roundtrip() -> None:
    img = np.zeros((3, 4, 3), dtype=np.uint8)
    img[1, 2] = (10, 20, 30)
    raw = encode_png(img)
    idat = raw[raw.index(b"IDAT") + 4:raw.index(b"IEND") - 8]
    rows = np.frombuffer(zlib.decompress(idat), dtype=np.uint8).reshape(3, 13)
    assert (rows[:, 0] == 0).all() and tuple(rows[1, 1 + 2 * 3:1 + 3 * 3]) == (10, 20, 30)
