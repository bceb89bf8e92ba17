"""The employment map: self-contained HTML (inline SVG, nothing fetched) and a valid PNG."""

from __future__ import annotations

import struct
import zlib

import h3.api.basic_int as h3i
import numpy as np

from circle.map import encode_png, render_html, render_png, render_svg
from tests.support.html import assert_self_contained
from transforms.vocabulary import fences


def _data() -> dict:
    cells = {h3i.latlng_to_cell(35.41, 116.59, 7): 12, h3i.latlng_to_cell(35.6, 116.99, 7): 1}
    stations = [("s1", "任城区就业驿站（演示）", "employment_station", 35.444, 116.606, 12, 3, "keep", 1),
                ("s2", "某社区就业服务点（演示）", "community_point", 35.60, 116.99, 1, 0, "close? no demand", 2)]
    towns = [("唐村镇", "370883", 35.35, 117.1, 7, 1, "邹城市就业驿站（演示）", 9.5, True),
             ("许庄街道", "370811", 35.356, 116.578, 3, 2, "任城区就业驿站（演示）", 1.0, False)]
    return {"fences": fences(), "cells": cells, "stations": stations, "towns": towns, "radius_km": 3.75,
            "open_jobs": 13}


def test_html_is_self_contained_and_shows_stations_and_gaps() -> None:
    data = _data()
    page = render_html(data, render_svg(data))
    assert_self_contained(page)
    assert page.count("<svg") == 1 and "任城区就业驿站（演示）" in page
    assert "唐村镇" in page.split("Gaps:")[1] and "许庄街道" not in page.split("Gaps:")[1]
    assert page.count('stroke="#d7191c"') >= 2  # the gap ring (and its legend)
    assert page.count("open jobs</title>") == 2  # two H3 cells


def test_png_is_valid_and_draws_the_city() -> None:
    raw = render_png(_data())
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
