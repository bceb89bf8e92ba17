"""Job-seeker profiles (求职画像): read from a landed profile batch into ``core.profile``, and demo profiles.

A profile feed is a partner file like any other (mapping in ``jobpool/reference_feeds.toml``, landed by
:func:`jobpool.reference.ingest_reference` through ``BatchWriter`` with kind ``profile``). Personal data
stays in the raw landing zone: names and phone numbers are never read into the warehouse, and the
home point is kept only in ``core.profile`` (the published matches carry a pseudonymous ``profile_id``
and a coarse H3 cell, never the point). ``profile_id`` is a keyed hash of source and record id
(``JOBPOOL_PROFILE_SALT``), stable across updates of the same person's profile.
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
import random
import re
from pathlib import Path
from typing import Any

from transforms.matching import keyword_mask, trades_of

HOURS = {"全天": "full", "全职": "full", "full": "full", "半天": "part", "兼职": "part", "上学时间": "part",
         "part": "part", "灵活": "flexible", "弹性": "flexible", "flexible": "flexible"}
GROUPS = {"宝妈": "mother", "妈妈": "mother", "mother": "mother", "银龄": "senior", "老年": "senior",
          "退休": "senior", "senior": "senior", "残疾": "disabled", "助残": "disabled", "disabled": "disabled"}
MODES = {"步行": "walk", "walk": "walk", "骑行": "bike", "自行车": "bike", "电动车": "bike", "bike": "bike"}
CSV_HEADER = ("编号", "姓名", "手机", "技能", "意向岗位", "期望月薪", "居住地经度", "居住地纬度", "可工作时段", "人群",
              "出行方式", "出行分钟")
_SPLIT = re.compile(r"[,，、;；|/\s]+")


def profile_id(source: str, source_record_id: str) -> str:
    salt = os.environ.get("JOBPOOL_PROFILE_SALT", "jobpool-profile")
    return "p-" + hashlib.sha256(f"{salt}|{source}|{source_record_id}".encode()).hexdigest()[:16]


def _words(text: Any) -> list[str]:
    return [w for w in _SPLIT.split(str(text or "")) if w]


def normalise_profile(source: str, rec: dict[str, Any]) -> dict[str, Any] | None:
    """Typed profile fields from one landed record, or None when it cannot be matched (no id, no
    home inside Jining, no wanted trade). Names and phones are dropped here."""
    from jobpool.reference import _float, in_jining

    lat, lon = _float(rec.get("latitude")), _float(rec.get("longitude"))
    if rec.get("ingest_error") or not rec.get("source_record_id") or not in_jining(lat, lon):
        return None
    skills, titles = _words(rec.get("skills")), _words(rec.get("desired_titles"))
    trades = trades_of(titles + skills)
    if not trades:
        return None
    minutes = _float(rec.get("minutes"))
    out = {
        "profile_id": profile_id(source, rec["source_record_id"]),
        "source": source, "source_record_id": rec["source_record_id"],
        "skills": skills, "desired_titles": titles, "trades": trades,
        "kw_mask": keyword_mask(titles + skills),
        "salary_expected": _float(rec.get("salary_expected")),
        "hours": HOURS.get(str(rec.get("hours") or "").strip()),
        "profile_group": GROUPS.get(str(rec.get("group") or "").strip()),
        "mode": MODES.get(str(rec.get("mode") or "").strip(), "bike"),
        "minutes": int(min(60, max(5, minutes))) if minutes else 15,
        "home_lat": lat, "home_lon": lon,
    }
    out["content_hash"] = hashlib.sha256(json.dumps(out, sort_keys=True, default=str).encode()).hexdigest()[:20]
    return out


def profile_rows(row: dict[str, Any]) -> tuple[list[tuple[Any, ...]], int]:
    """core.profile rows (column order of the insert in jobpool.reference) from one landed batch."""
    from jobpool.reference import iter_records

    out, rejected = [], 0
    for rec in iter_records(row):
        p = normalise_profile(row["source"], rec)
        if p is None:
            rejected += 1
            continue
        out.append((p["profile_id"], p["source"], p["source_record_id"], p["skills"], p["desired_titles"],
                    p["trades"], p["kw_mask"], p["salary_expected"], p["hours"], p["profile_group"], p["mode"],
                    p["minutes"], p["home_lat"], p["home_lon"], p["content_hash"], rec["fetched_at"]))
    return out, rejected


# -- demo profiles ---------------------------------------------------------------------------------
_SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
_GIVEN = "秀英桂兰玉梅建华志强海燕丽娟国庆春生金凤红霞德明"


def demo_profiles(seed: int = 7, n: int = 200) -> list[dict[str, str]]:
    """Deterministic demo seekers living around Jining's towns (denser where there are more communities),
    each wanting one or two trades of the demo job generator; with fake names and phones, so tests can
    prove they never reach a published table."""
    from collections import Counter

    from jobpool.demo.generate import OCCUPATIONS
    from jobpool.reference import communities, towns

    rng = random.Random(seed)
    places = towns()
    per_town = Counter(c["town_adcode"] for c in communities())
    weights = [1 + per_town[t["adcode"]] for t in places]
    occs = list(OCCUPATIONS.values())
    rows = []
    for i in range(n):
        town = rng.choices(places, weights)[0]
        lat = town["latitude"] + rng.gauss(0, 0.012)
        lon = town["longitude"] + rng.gauss(0, 0.015)
        group = rng.choices(["", "宝妈", "银龄", "残疾"], [0.55, 0.2, 0.17, 0.08])[0]
        wanted = rng.sample(occs, rng.choice([1, 1, 2]))
        titles = [rng.choice(o.titles) for o in wanted]
        low = min(p[1] for o in wanted for p in o.pays if p[0] == "M") if any(
            p[0] == "M" for o in wanted for p in o.pays) else 3000
        rows.append({
            "编号": f"QZ{seed:02d}{i:06d}",
            "姓名": rng.choice(_SURNAMES) + rng.choice(_GIVEN) + rng.choice(_GIVEN),
            "手机": f"1{rng.choice('3578')}{rng.randrange(10**9):09d}",
            "技能": "、".join(rng.sample(["电脑操作", "普通话", "驾照", "健康证", "叉车证", "电工证", "收银"], 2)),
            "意向岗位": "、".join(titles),
            "期望月薪": str(int(round(low * rng.uniform(0.9, 1.4), -2))),
            "居住地经度": f"{lon:.6f}", "居住地纬度": f"{lat:.6f}",
            "可工作时段": rng.choice(
                ["全天", "半天", "灵活", "上学时间"] if group == "宝妈" else ["全天", "全天", "灵活"]),
            "人群": group,
            "出行方式": rng.choice(["步行", "骑行", "电动车"]),
            "出行分钟": "15",
        })
    return rows


def write_demo_profiles(path: Path, seed: int = 7, n: int = 200) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(CSV_HEADER), lineterminator="\n")
        writer.writeheader()
        writer.writerows(demo_profiles(seed, n))
    return path
