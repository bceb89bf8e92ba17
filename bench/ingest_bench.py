"""Partner-feed ingest benchmark: rows/s and peak RSS for a large CSV and a large XML feed.

    .venv/bin/python bench/ingest_bench.py [--rows 1000000] [--xml-jobs 200000] [--encoding gbk]

Generates the files (deterministic, gig_station-shaped: Chinese headers and text, quoted commas,
quotes and line breaks in descriptions), then lands each in a fresh child process so that peak RSS is
the child's own (``ru_maxrss``), not this script's. Prints one line per run and a JSON summary.
Times are of ``ingest_file`` alone (imports excluded, pyarrow's one-off kernel start-up included);
rows per CPU-second is printed too, as wall time on a shared machine depends on its load.
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HEADER = ["编号", "岗位名称", "用工单位", "工作地点", "薪资待遇", "用工类型", "岗位标签", "岗位描述", "联系电话",
          "发布日期", "截止日期"]
TITLES = ["收银员", "理货员", "保安", "焊工", "电工", "司机", "厨师", "服务员", "会计", "仓库管理员", "销售代表"]
EMPLOYERS = ["鸿远超市", "济宁宏达机械有限公司", "任城区人民医院", "兖州煤业", "曲阜三孔旅游公司", "邹城物流园"]
PLACES = ["任城区", "兖州区", "曲阜市", "邹城市", "微山县", "鱼台县", "金乡县", "嘉祥县", "汶上县", "泗水县", "梁山县"]
MAPPING = """format = "csv"
id = "编号"
[fields]
title = "岗位名称"
hiring_organization = "用工单位"
job_location = "工作地点"
base_salary = "薪资待遇"
employment_type = "用工类型"
description = "岗位描述"
date_posted = "发布日期"
valid_through = "截止日期"
[extra]
tags = "岗位标签"
contact_phone = "联系电话"
"""
XML_MAPPING = """format = "xml"
record = "job"
id = "referencenumber"
[fields]
title = "title"
hiring_organization = "company"
job_location = ["streetaddress", "city"]
base_salary = "salary"
employment_type = "jobtype"
description = "description"
date_posted = "date"
identifier = "referencenumber"
[extra]
url = "url"
city = "city"
"""


def write_csv(path: Path, rows: int, encoding: str, seed: int = 1) -> None:
    rnd = random.Random(seed)
    with open(path, "w", encoding=encoding, newline="") as fh:
        out = csv.writer(fh, lineterminator="\n")
        out.writerow(HEADER)
        for i in range(rows):
            title = rnd.choice(TITLES)
            desc = f"{title}，{rnd.choice(['五险一金', '包吃住', '日结'])}。要求：{rnd.randint(18, 45)}岁以下"
            if i % 7 == 0:
                desc += "，\"能吃苦\"\n周末双休"
            low = rnd.randint(2, 9)
            out.writerow([f"G{i:08d}", title, rnd.choice(EMPLOYERS), rnd.choice(PLACES),
                          f"{low}-{low + rnd.randint(1, 4)}千/月", rnd.choice(["全职", "兼职", "临时"]),
                          "['日结', '包吃']" if i % 5 == 0 else "周末双休", desc,
                          f"13{rnd.randint(100000000, 999999999)}", f"2026-11-{rnd.randint(1, 28):02d}",
                          "2026-12-31"])


def write_xml(path: Path, jobs: int, seed: int = 2) -> None:
    rnd = random.Random(seed)
    with open(path, "w", encoding="utf-8") as fh:
        fh.write('<?xml version="1.0" encoding="utf-8"?>\n<source><publisher>bench</publisher>\n')
        for i in range(jobs):
            title = rnd.choice(TITLES)
            fh.write(
                f"<job><title><![CDATA[{title}]]></title><date>2026-11-{rnd.randint(1, 28):02d}</date>"
                f"<referencenumber>R{i:08d}</referencenumber><url>https://hr.example/jobs/{i}?a=1&amp;b=2</url>"
                f"<company>{rnd.choice(EMPLOYERS)}</company><city>济宁</city>"
                f"<streetaddress>{rnd.choice(PLACES)}建设路{rnd.randint(1, 300)}号</streetaddress>"
                f"<description><![CDATA[<p>{title}：负责日常工作，<b>五险一金</b>。</p>]]></description>"
                f"<salary>{rnd.randint(3, 9)}000元/月</salary><jobtype>fulltime</jobtype></job>\n")
        fh.write("</source>\n")


CHILD = """
import json, resource, sys, time
from pathlib import Path
from landing.paths import Paths
from feeds.ingest import ingest_file
path, source, mapping, home, fast = sys.argv[1:6]
import resource as _r
cpu0 = _r.getrusage(_r.RUSAGE_SELF)
started = time.perf_counter()
r = ingest_file(Path(path), source, mapping=Path(mapping), root=Paths(Path(home)), fast=fast == "1")
seconds = time.perf_counter() - started
usage = resource.getrusage(resource.RUSAGE_SELF)
print(json.dumps({"status": r.status, "records": r.records, "errors": r.record_errors, "path": r.path,
                  "reason": r.reason, "seconds": seconds,
                  "cpu_seconds": usage.ru_utime + usage.ru_stime - cpu0.ru_utime - cpu0.ru_stime,
                  "peak_rss_mb": usage.ru_maxrss / 1024}))
"""


def run(label: str, path: Path, source: str, mapping: str, work: Path, fast: bool = True) -> dict:
    mapping_path = work / f"{source}.toml"
    mapping_path.write_text(mapping, encoding="utf-8")
    home = Path(tempfile.mkdtemp(dir=work))
    proc = subprocess.run([sys.executable, "-c", CHILD, str(path), source, str(mapping_path), str(home),
                           "1" if fast else "0"], capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise RuntimeError(proc.stderr[-3000:])
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    result.update(label=label, file_mb=round(path.stat().st_size / 1e6, 1),
                  rows_per_s=round(result["records"] / result["seconds"]),
                  rows_per_cpu_s=round(result["records"] / result["cpu_seconds"]))
    print(f"{label:<34} {result['records']:>9,} records {result['seconds']:7.2f}s "
          f"{result['rows_per_s']:>9,} rows/s ({result['rows_per_cpu_s']:,} per CPU-s)  "
          f"peak RSS {result['peak_rss_mb']:4.0f} MB  ({result['file_mb']} MB, {result['path'] or 'xml'})",
          flush=True)
    return result


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--xml-jobs", type=int, default=200_000)
    ap.add_argument("--encoding", default="gbk", help="of the generated CSV (gbk exercises transcoding)")
    ap.add_argument("--row-path-rows", type=int, default=100_000, help="rows for the row-path comparison (0: skip)")
    ap.add_argument("--work", help="folder for generated files (default: a temp folder)")
    args = ap.parse_args()
    work = Path(args.work or tempfile.mkdtemp(prefix="ingest-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    results = []
    t = time.perf_counter()
    big = work / f"gig-{args.rows}.csv"
    write_csv(big, args.rows, args.encoding)
    print(f"generated {big} ({big.stat().st_size / 1e6:.0f} MB) in {time.perf_counter() - t:.1f}s", flush=True)
    results.append(run(f"CSV {args.encoding} {args.rows:,} rows (fast path)", big, "bench_csv", MAPPING, work))
    if args.row_path_rows:
        small = work / f"gig-{args.row_path_rows}.csv"
        write_csv(small, args.row_path_rows, args.encoding)
        results.append(run(f"CSV {args.encoding} {args.row_path_rows:,} rows (row path)", small, "bench_csv",
                           MAPPING, work, fast=False))
        results.append(run(f"CSV {args.encoding} {args.row_path_rows:,} rows (fast path)", small, "bench_csv",
                           MAPPING, work))
    xml = work / f"feed-{args.xml_jobs}.xml"
    write_xml(xml, args.xml_jobs)
    results.append(run(f"XML {args.xml_jobs:,} jobs", xml, "bench_xml", XML_MAPPING, work))
    print(json.dumps(results, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
