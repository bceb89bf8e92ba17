"""Rebuild ``jining_communities.csv`` from the Vonng/adcode county files in the read-only shared data.

Communities (社区/居委会 and urban villages, 645) are derived from Vonng/adcode
(https://github.com/Vonng/adcode, data/adcode/3708*.csv, commit b755d6e), © Vonng, CC BY 4.0
(https://creativecommons.org/licenses/by/4.0/). Changes: village-level rows kept when named 社区/居委会
or urban (ur_code 11x); codes kept, town code cut to 9 digits; coordinates only where upstream has
them (69). Run: ``python -m transforms.reference.build_communities``.
"""

from __future__ import annotations

import argparse
import csv
from pathlib import Path

from landing.paths import shared_data_dir
from transforms.vocabulary import COMMUNITIES_CSV


def build_communities(shared: Path | None = None) -> list[dict[str, str]]:
    """Communities from the Vonng/adcode county files (read-only shared data)."""
    folder = (shared or shared_data_dir()) / "geo" / "vonng_adcode"
    rows = []
    for path in sorted(folder.glob("3708*.csv")):
        with open(path, encoding="utf-8", newline="") as fh:
            for rec in csv.reader(fh):
                code, parent, name, level, ur_code, lon, lat = rec[0], rec[1], rec[2], rec[3], rec[8], rec[12], rec[13]
                if level != "village":
                    continue
                if not (any(w in name for w in ("社区", "居委会", "居民委员会")) or ur_code.startswith("11")):
                    continue
                rows.append({"code": code, "name": name, "town_adcode": parent[:9], "ur_code": ur_code,
                             "longitude": lon, "latitude": lat})
    rows.sort(key=lambda r: r["code"])
    return rows


def write_communities(shared: Path | None = None, dest: Path = COMMUNITIES_CSV) -> int:
    rows = build_communities(shared)
    with open(dest, "w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=["code", "name", "town_adcode", "ur_code", "longitude", "latitude"],
                                lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return len(rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--build-communities", action="store_true", help="rewrite jining_communities.csv")
    parser.add_argument("--shared", type=Path, default=None)
    args = parser.parse_args(argv)
    if args.build_communities:
        print(f"{write_communities(args.shared)} communities written to {COMMUNITIES_CSV}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
