"""Pairwise evidence: each comparison as a graded level (Fellegi–Sunter), and the few vetoes that
are decisive on their own (another store, site or shift).

Why graded: a re-post updates details (headcount 5名→6名, working hours, contact, pay unit), so one
differing detail is evidence against a match, not proof. How much evidence each level is comes from
the data (``transforms/dedup/model.py`` estimates m/u probabilities by EM on every run's candidate
pairs). Only what no re-post changes stays a veto: two stated branches, towns or street numbers,
source coordinates more than 0.5 km apart, day vs night shift (two named shifts, 早班 vs 夜班, or
working hours starting or ending ≥ 2 h apart), pay more than 30 % apart (beyond rounding in copies
of the same week: two offers), another district or city, and more than 90 days between the copies
(a vacancy re-opened after that is a new job: docs/dedup.md)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import duckdb
import numpy as np
import pyarrow as pa

from transforms.dedup.blocking import NUM_PERM, minhash

SALARY_TOLERANCE = 0.015  # relative: 8万/年 vs 6600元/月 is rounding, "the same pay"
SALARY_VETO = 0.30  # relative: pay this far apart is another offer, not an updated one
GEO_CONFLICT_KM = 0.5
SHIFT_VETO_HOURS = 2  # working hours starting or ending this far apart are another shift
MAX_DAYS_APART = 90
BRIEF_TEXT = 10  # clauses (estimated) of a brief text: a notice, not a full posting
#: stated on both copies and different → two different vacancies (a store, a site, a district)
VETO_CODES = ("city", "district", "branch", "town", "road_no", "shift_name")
BRANCH_SUFFIX_RX = "(分店|门店|分公司|分部|店)$"
#: compared for equality only, as 63-bit hashes (-1: not stated)
CODED = ("emp_core", "title_norm", *VETO_CODES, "hours", "headcount", "contact", "sal_period", "employment_type")

#: the comparisons and their levels, in the order of the columns of ``Comparisons.levels``.
#: Level -1 (either copy does not state it) is no evidence either way, as in Splink's null level.
LEVELS: dict[str, tuple[str, ...]] = {
    "title": ("same", "one contains the other (厨师 / 炒锅厨师)", "similar ≥ 0.75", "related ≥ 0.5", "different"),
    # a brief copy (a notice board's few lines) rewords the full text rather than quoting it: low
    # overlap between a brief and a full text is its own level, not "different"
    "description": ("near-identical ≥ 0.8", "≥ 0.7", "≥ 0.6", "≥ 0.5", "overlapping ≥ 0.35", "different",
                    "one brief (≤ 10 clauses), one full, < 0.5"),
    # a shop name and its legal name share more than the trade name's two characters (鼎家超市 /
    # 鼎家超市连锁); two firms that only share them (鼎家超市 / 鼎家物业) are another employer
    "employer": ("same key", "one contains the other, or the first three characters agree", "the trade name only"),
    # pay apart in copies of one week is two offers; weeks later it may be the same vacancy's raise
    "salary": ("same ≤ 1.5 %", "close ≤ 10 %", "apart ≤ 30 %, same week", "apart ≤ 30 %, weeks later",
               "面议 vs a figure", "another unit (时薪 vs 月薪), within 30 %", "a figure within the other's range"),
    "headcount": ("same", "different"),
    "employment_type": ("same", "different (全职 / 兼职 / 临时)"),
    # the store's details (its contact person and working hours; where it is) are shared by every role
    # a store posts, so each group is one comparison, not several agreeing ones counted apart
    "details": ("hours and contact agree", "one differs"),
    "place": ("same store (branch, street number or ≤ 0.5 km)", "same town only", "another store"),
    "days_apart": ("≤ 3", "≤ 14", "≤ 45", "≤ 90"),
}
COMPARISONS = tuple(LEVELS)
VETOES = ("city", "district", "branch", "town", "road_no", "shift_name", "coordinates", "shift", "salary", "days_apart")


@dataclass
class Nodes:
    """Comparable fields of every posting in the matching universe, as arrays indexed by node."""

    cols: dict[str, np.ndarray]
    sig: np.ndarray  # MinHash signatures, n × NUM_PERM

    def __len__(self) -> int:
        return len(self.sig)


@dataclass
class Comparisons:
    """Per candidate pair: the level of each comparison (int8, -1 = not stated by both) and which
    veto, if any, makes it two different vacancies whatever the evidence."""

    levels: np.ndarray  # pairs × len(COMPARISONS)
    veto: np.ndarray  # pairs, int8: index into VETOES, -1 = none


def _both(x: np.ndarray, a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    xa, xb = x[a], x[b]
    return xa, xb, (xa >= 0) & (xb >= 0) if xa.dtype.kind in "iu" else ~np.isnan(xa) & ~np.isnan(xb)


def _rel_diff(xa: np.ndarray, xb: np.ndarray) -> np.ndarray:
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.abs(xa - xb) / np.maximum(np.maximum(np.abs(xa), np.abs(xb)), 1e-9)


def _figure_in_range(x_lo: np.ndarray, x_hi: np.ndarray, r_lo: np.ndarray, r_hi: np.ndarray) -> np.ndarray:
    """x states one figure (min = max) and it lies in r's range (an open bound is open), within rounding."""
    point = ~np.isnan(x_lo) & (x_lo == x_hi)
    ranged = (~np.isnan(r_lo) | ~np.isnan(r_hi)) & ~(r_lo == r_hi)
    with np.errstate(invalid="ignore"):
        above = np.isnan(r_lo) | (x_lo >= r_lo * (1 - SALARY_TOLERANCE))
        below = np.isnan(r_hi) | (x_lo <= r_hi * (1 + SALARY_TOLERANCE))
    return point & ranged & above & below


def pay_apart(lo_a: np.ndarray, hi_a: np.ndarray, lo_b: np.ndarray, hi_b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Relative difference of two copies' monthly pay bounds (nan: no bound comparable), and whether
    one copy states one figure inside the other's range (5500元 in 5000-6000, 5000元起): a board
    showing one number of the range, not another offer, so its difference is 0."""
    both_lo = ~np.isnan(lo_a) & ~np.isnan(lo_b)
    both_hi = ~np.isnan(hi_a) & ~np.isnan(hi_b)
    diff = np.fmax(np.where(both_lo, _rel_diff(lo_a, lo_b), np.nan), np.where(both_hi, _rel_diff(hi_a, hi_b), np.nan))
    within = _figure_in_range(lo_a, hi_a, lo_b, hi_b) | _figure_in_range(lo_b, hi_b, lo_a, hi_a)
    diff[within] = 0.0
    return diff, within


def pay_veto(diff: np.ndarray, other_unit: np.ndarray, same_week: np.ndarray) -> np.ndarray:
    """Pay that makes two copies two offers: more than 30 % apart, or beyond rounding in copies of one
    week (a copy copies the pay; a re-post weeks later may carry a raise). Stated in another unit (时薪
    vs 月薪), the monthly figure is our conversion, so only a gross difference (> 60 %) vetoes. Pairs
    in score.compare and copies in cluster._Clusters are judged by this one rule."""
    d = np.nan_to_num(diff)
    return ~np.isnan(diff) & np.where(other_unit, d > 2 * SALARY_VETO,
                                      (d > SALARY_VETO) | (same_week & (d > SALARY_TOLERANCE)))


def _string_pairs(strings: np.ndarray, a: np.ndarray, b: np.ndarray,
                  test: Callable[[str, str], bool]) -> np.ndarray:
    """``test`` of the strings of nodes a[i] and b[i], per pair (a Python loop: about half a second
    per million pairs)."""
    xs, ys = strings[a].tolist(), strings[b].tolist()
    return np.fromiter((test(x, y) for x, y in zip(xs, ys, strict=True)), dtype=bool, count=len(a))


def _graded(value: np.ndarray, known: np.ndarray, bounds: tuple[float, ...], descending: bool) -> np.ndarray:
    """Level index of ``value`` against ``bounds`` (first bound met wins); -1 where not known."""
    out = np.full(len(value), len(bounds), dtype=np.int8)
    for level, bound in reversed(list(enumerate(bounds))):
        out[(value >= bound) if descending else (value <= bound)] = level
    out[~known] = -1
    return out


def compare(nodes: Nodes, a: np.ndarray, b: np.ndarray) -> Comparisons:
    """The comparison vector of every pair (a[i], b[i]), vectorised."""
    from rapidfuzz.distance import Indel
    from rapidfuzz.process import cpdist

    c = nodes.cols
    n = len(a)
    levels = np.full((n, len(COMPARISONS)), -1, dtype=np.int8)
    col = {name: i for i, name in enumerate(COMPARISONS)}
    veto = np.full(n, -1, dtype=np.int8)

    def set_veto(mask: np.ndarray, name: str) -> None:
        veto[mask & (veto < 0)] = VETOES.index(name)

    for name in ("headcount", "employment_type"):
        xa, xb, known = _both(c[name + "_code"], a, b)
        levels[:, col[name]] = np.where(known, np.where(xa == xb, 0, 1), -1)
    stated = np.zeros(n, dtype=bool)
    differs = np.zeros(n, dtype=bool)
    for name in ("contact", "hours"):
        xa, xb, known = _both(c[name + "_code"], a, b)
        stated |= known
        differs |= known & (xa != xb)
    levels[:, col["details"]] = np.where(stated, np.where(differs, 1, 0), -1)
    xa, xb, known = _both(c["emp_core_code"], a, b)
    employer = np.where(known, np.where(xa == xb, 0, 2), -1).astype(np.int8)
    other = np.flatnonzero(employer == 2)
    near = _string_pairs(c["emp_core"], a[other], b[other], lambda x, y: x in y or y in x or x[:3] == y[:3])
    employer[other[near]] = 1
    levels[:, col["employer"]] = employer
    precise_same = np.zeros(n, dtype=bool)  # the same store: branch, street number (or coordinates, below)
    for name in VETO_CODES:
        xa, xb, known = _both(c[name + "_code"], a, b)
        set_veto(known & (xa != xb), name)
        if name in ("branch", "road_no"):
            precise_same |= known & (xa == xb)
        elif name == "town":
            town_same = known & (xa == xb)

    lat_a, lat_b, geo = _both(c["lat"], a, b)
    lon_a, lon_b = c["lon"][a], c["lon"][b]
    km = np.hypot((lat_a - lat_b) * 111.0, (lon_a - lon_b) * 111.0 * np.cos(np.radians(np.nan_to_num(lat_a))))
    set_veto(geo & (km > GEO_CONFLICT_KM), "coordinates")
    precise_same |= geo & (km <= GEO_CONFLICT_KM)
    place = np.where(precise_same, 0, np.where(town_same, 1, -1))
    place[np.isin(veto, [VETOES.index(v) for v in ("branch", "town", "road_no", "coordinates")])] = 2
    levels[:, col["place"]] = place

    shift_a, shift_b, shift = _both(c["shift"], a, b)
    other_shift = shift & (shift_a != shift_b)
    for end in ("hours_start", "hours_end"):
        xa, xb, known = _both(c[end], a, b)
        gap = np.abs(xa - xb)
        other_shift |= known & (np.minimum(gap, 24 - gap) >= SHIFT_VETO_HOURS)
    set_veto(other_shift, "shift")

    diff, within = pay_apart(c["sal_min"][a], c["sal_max"][a], c["sal_min"][b], c["sal_max"][b])
    paid = ~np.isnan(diff)
    salary = _graded(np.nan_to_num(diff), paid, (SALARY_TOLERANCE, 0.10, SALARY_VETO), descending=False)
    day_a, day_b, days = _both(c["day"], a, b)  # -1: unknown
    apart = np.abs(day_a - day_b)
    pa_, pb_, periods = _both(c["sal_period_code"], a, b)
    other_unit = paid & periods & (pa_ != pb_)
    set_veto(pay_veto(diff, other_unit, days & (apart <= 7)), "salary")
    salary[salary == 3] = 2
    salary[(salary == 2) & days & (apart > 7)] = 3
    salary[other_unit] = 5
    salary[within & ~other_unit] = 6
    sal_open, stated = c["sal_open"], ~np.isnan(c["sal_min"]) | ~np.isnan(c["sal_max"])
    open_vs_paid = (sal_open[a] & stated[b]) | (sal_open[b] & stated[a])
    salary[open_vs_paid] = 4
    levels[:, col["salary"]] = salary

    levels[:, col["days_apart"]] = _graded(apart, days, (3, 14, 45, MAX_DAYS_APART), descending=False)
    set_veto(days & (apart > MAX_DAYS_APART), "days_apart")
    levels[levels[:, col["days_apart"]] == 4, col["days_apart"]] = 3

    tca, tcb = c["title_norm_code"][a], c["title_norm_code"][b]
    title_known = (tca >= 0) & (tcb >= 0)
    title_sim = np.where(title_known & (tca == tcb), 1.0, 0.0)
    fuzzy = np.flatnonzero(title_known & (tca != tcb))
    if len(fuzzy):
        title = c["title_norm"]
        title_sim[fuzzy] = cpdist(title[a[fuzzy]], title[b[fuzzy]], scorer=Indel.normalized_similarity, workers=-1)
    title_level = np.where(title_known & (tca == tcb), 0,
                           _graded(title_sim, title_known, (1.01, 1.01, 0.75, 0.5), descending=True))
    # a shortened or qualified title names the same job: 厨师 / 炒锅厨师, 保洁 / 保洁阿姨
    title_level[fuzzy[_string_pairs(c["title_norm"], a[fuzzy], b[fuzzy], lambda x, y: x in y or y in x)]] = 1
    levels[:, col["title"]] = title_level

    empty = c["no_text"]
    text_known = ~empty[a] & ~empty[b]
    text_sim = np.zeros(n)
    for start in range(0, n, 250_000):  # bounded memory: pairs × NUM_PERM compares per chunk
        part = slice(start, start + 250_000)
        text_sim[part] = np.count_nonzero(nodes.sig[a[part]] == nodes.sig[b[part]], axis=1) / nodes.sig.shape[1]
    description = _graded(text_sim, text_known, (0.8, 0.7, 0.6, 0.5, 0.35), descending=True)
    brief = nodes.cols["brief"]
    description[text_known & (brief[a] != brief[b]) & (description >= 4)] = 6
    levels[:, col["description"]] = description
    return Comparisons(levels, veto)


def load_nodes(con: duckdb.DuckDBPyConnection, features: str, stored: bool = False) -> Nodes:
    """Fetch ``features`` (ordered by node, nodes 0..n-1) into arrays; MinHash the clauses (``stored``:
    take the signature from ``text_signature`` where the pool has one).
    Fields compared only for equality arrive as 63-bit hashes (-1: not stated), computed by DuckDB."""
    def code(c: str) -> str:
        # a branch is compared without its suffix: 三里屯店, 三里屯分店 and 三里屯门店 are one store
        value = f"regexp_replace({c}, '{BRANCH_SUFFIX_RX}', '')" if c == "branch" else c
        return f"case when coalesce({value}, '') = '' then -1 else (hash({value}) >> 1)::bigint end as {c}_code"

    codes = ", ".join(code(c) for c in CODED)
    floats = ", ".join(f"coalesce({c}, 'NaN'::double) as {c}" for c in ("lat", "lon", "sal_min", "sal_max"))
    extra = ", text_signature" if stored else ""
    table = con.sql(f"select {codes}, {floats}, coalesce(title_norm, '') as title_norm, "
                    f"coalesce(emp_core, '') as emp_core, night, sal_open, "
                    f"coalesce(try_cast(regexp_extract(coalesce(hours, ''), '^(\\d{{1,2}})', 1) as double), "
                    f"'NaN'::double) as hours_start, "
                    f"coalesce(try_cast(regexp_extract(coalesce(hours, ''), '-(\\d{{1,2}}):', 1) as double), "
                    f"'NaN'::double) as hours_end, "
                    f"coalesce(day, -1) as day, clauses{extra} from {features} order by node").to_arrow_table()
    cols = {name: table.column(name).to_numpy() for name in table.column_names
            if name not in ("clauses", "text_signature")}
    # night shift is known when stated (夜班) or when working hours are given; a posting that says
    # neither is not evidence of a day job
    cols["shift"] = np.where(cols["night"], 1.0, np.where(cols["hours_code"] >= 0, 0.0, np.nan))
    sig = minhash(table.column("clauses").combine_chunks())
    if stored:
        kept = table.column("text_signature").combine_chunks()
        has = ~np.asarray(kept.is_null().to_numpy(zero_copy_only=False))
        if has.any():
            values = kept.filter(pa.array(has)).flatten().to_numpy(zero_copy_only=False).astype(np.uint32)
            sig[has] = values.reshape(-1, NUM_PERM)
    cols["no_text"] = (sig == np.iinfo(np.uint32).max).all(axis=1)
    cols["brief"] = _clauses_estimate(sig) <= BRIEF_TEXT
    return Nodes(cols, sig)


def _clauses_estimate(sig: np.ndarray) -> np.ndarray:
    """How many clauses a text has, from its MinHash signature alone (the pool stores no text size):
    each minimum of k uniform hashes is about Exp(k) on [0, 1], so (NUM_PERM − 1) / Σ minima is an
    unbiased estimate of k (±13 % at 64 permutations; brief 3–7 vs full 20–30 clauses stay apart)."""
    if not len(sig):
        return np.zeros(0)
    return (sig.shape[1] - 1) / np.maximum((sig.astype(np.float64) / 2.0**32).sum(axis=1), 1e-12)


def _concat(first: Nodes, second: Nodes) -> Nodes:
    cols = {k: np.concatenate([first.cols[k], second.cols[k]]) for k in first.cols}
    return Nodes(cols, np.concatenate([first.sig, second.sig]))
