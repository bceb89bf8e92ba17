"""Demo job seekers (求职画像) for the 15-minute circle: a profiles file in the ``profile_demo`` layout
(feeds/reference_feeds.toml), landed like a partner's with ``jobpool-demo profiles -n N``. Demo only:
production code never imports it (tests/test_demo_boundary.py)."""

from __future__ import annotations

import csv
import random
from collections import Counter
from pathlib import Path

from demo.generate import OCCUPATIONS
from transforms.vocabulary import communities, towns

CSV_HEADER = ("编号", "姓名", "手机", "技能", "意向岗位", "期望月薪", "居住地经度", "居住地纬度", "可工作时段", "人群",
              "出行方式", "出行分钟")
_SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
_GIVEN = "秀英桂兰玉梅建华志强海燕丽娟国庆春生金凤红霞德明"


def demo_profiles(seed: int = 7, n: int = 200) -> list[dict[str, str]]:
    """Deterministic demo seekers living around Jining's towns (denser where there are more communities),
    each wanting one or two trades of the demo job generator; with fake names and phones, so tests can
    prove they never reach a published table."""
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
