"""Deduplication: one vacancy → one job, with lineage to every copy.

Why this shape: the same vacancy reaches us from several boards and feeds, and again when it is
re-posted, each time worded a little differently (decorated title, legal vs shop name, salary in
another unit, description re-ordered or wrapped in a board's boilerplate, coarser address, dates a
few days apart). Different vacancies of one employer look alike too (another store, shift or
salary). So matching is three steps, all set-based:

1. **Blocking** (DuckDB): a posting is compared only with postings sharing a block key: district +
   the employer's trade-name prefix (字号, the first two characters after the place prefix, which a
   legal name and a shop name share) + one of: normalised title, salary, stated working hours or
   contact person, or a MinHash value of the description (a text fingerprint that stands in for the
   occupation when titles are synonyms).
   Big blocks are cut into sorted buckets, so candidate pairs grow linearly with postings.
2. **Scoring** (numpy, vectorised over pairs): hard conflicts that make two postings different jobs
   (other branch / town / street number / coordinates, shift, working hours, salary beyond rounding,
   district), then a weighted similarity of employer, title (rapidfuzz), description (MinHash
   Jaccard over clause shingles) and the agreeing details. ``match_score`` is that similarity.
3. **Clustering** (union-find, strongest edges first): two clusters merge only if their known
   attributes do not conflict and they do not already belong to two different existing jobs, so a
   vague copy (legal name, district-level address) cannot chain two branches into one job. An
   existing job enters with all its copies joined, so its every stated detail constrains who joins.

Incremental: the run's postings are matched against each other and against the existing pool
(``core.posting``, read-only); a posting that matches an existing job takes its ``job_id``, a new
cluster gets ``job_id = md5(source|source_record_id of its earliest posting)[:16]``, so ids are stable
across runs and a rerun gives the same answer. Only ``load`` changes core.
"""

from __future__ import annotations

import csv
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa

from transforms.normalise.place import JINING, REFERENCE

# --------------------------------------------------------------------------------------------- knobs

NUM_PERM = 16  # MinHash permutations over description clauses
BLOCK_BUCKET = 20  # a block bigger than this is cut into buckets sorted by employer and date (sorted neighbourhood)
TEXT_KEYS = 1  # MinHash values used as blocking keys
#: parsed details that are block keys too (with district + trade name): copies that name the same
#: working hours or contact person meet even when title, pay and employer are worded apart
#: (安保员 / 保安, 5833 / 5800, legal / shop name) and no third copy bridges them, as in a later run
DETAIL_KEYS = ("hours", "contact")
SALARY_TOLERANCE = 0.015  # relative: 8万/年 vs 6600元/月 is rounding; 4400 vs 4500 is another job
GEO_CONFLICT_KM = 0.5
MAX_DAYS_APART = 90
THRESHOLD = 0.62  # match_score needed to join a cluster
AMBIGUITY_MARGIN = 0.05  # a posting as strongly matched into two incompatible clusters joins neither

#: innermost bracket naming a branch: 鸿远超市（疃里店）, （长沟门店2分店）, （马营校区）
_BRANCH_RX = r"[（(]([^（）()\s]{1,14}?(?:店|站|部|点|中心|区|处|基地|分公司|院|所|厂|场))[）)]"
#: punctuation, brackets and list marks that re-punctuating or re-numbering a description changes:
#: a description is compared as the set of its clauses between them; list numbers (1、 （2） ③)
#: fall out as clauses shorter than two characters
_CLAUSE_SPLIT_RX = r"[\s,.;:!?，。；：！？、|｜【】\[\]（）()<>《》\-—~～•·*①②③④⑤⑥⑦⑧⑨⑩\"'“”‘’]+"
#: 招聘收银员2名 (headcount), （王经理） (contact person): both stay after personal data is masked
_HEADCOUNT_RX = r"招聘[^\d\n，,。；]{0,20}?(\d{1,4})\s*[名人位]"
_CONTACT_RX = r"[（(](\p{Han}(?:先生|女士|小姐|经理|主管|店长|老师|师傅|部长|总))[）)]"
_HOURS_RX = r"(\d{1,2})[:：](\d{2})\s*[-~～—至到]+\s*(?:次日)?(\d{1,2})[:：](\d{2})"


@lru_cache(maxsize=1)
def place_prefixes() -> tuple[str, ...]:
    """Names an employer's legal name may start with in this deployment: the province, the city and
    its counties, full and short (山东省, 济宁, 兖州区, 兖州 …), longest first."""
    names: set[str] = set()
    with open(REFERENCE / "places.csv", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            code = row["adcode"]
            county = code.startswith(JINING[:4]) and row["level"] == "county"
            if code in (JINING[:2] + "0000", JINING) or county:
                names.update(n for n in (row["name"], row["short"]) if n)
    return tuple(sorted(names, key=len, reverse=True))


def _sql_str(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


#: fields read out of free text by regex; stored in core.posting (``match_<name>``, '' = none stated) so
#: an incremental run never re-parses the pool's descriptions
PARSED = ("branch", "road_no", "hours", "headcount", "contact")


def _parsed_sql() -> dict[str, str]:
    """SQL per parsed field over a normalised posting (null when the posting does not state it)."""
    return {
        "branch": f"""nullif(regexp_replace(coalesce(
            nullif(employer_branch, ''),
            nullif(regexp_extract(coalesce(address, '') || ' ' || coalesce(description, ''),
                                  {_sql_str(_BRANCH_RX)}, 1), '')
        ), '[\\s()（）]', '', 'g'), '')""",
        "road_no": "nullif(regexp_extract(coalesce(address, ''), '(\\d+)号', 1), '')",
        "hours": f"""nullif(regexp_replace(regexp_extract(coalesce(description, ''), {_sql_str(_HOURS_RX)}, 0),
                              '[\\s：次日至到~～—]', '', 'g'), '')""",
        "headcount": f"nullif(regexp_extract(coalesce(description, ''), {_sql_str(_HEADCOUNT_RX)}, 1), '')",
        "contact": f"nullif(regexp_extract(coalesce(description, ''), {_sql_str(_CONTACT_RX)}, 1), '')",
    }


def _emp_core_sql() -> str:
    """The employer key without the place names it may start with (济宁, 兖州区 …): its first two
    characters are the trade name (字号) a legal name and a shop name share."""
    prefixes = "|".join(place_prefixes())
    return f"coalesce(nullif(regexp_replace(employer_key, '^(?:{prefixes})+', ''), ''), employer_key, '')"


def node_features_sql(relation: str, stored: bool = False) -> str:
    """SQL over ``relation`` (normalised postings + ``node``) → the comparable fields of each posting.
    ``stored``: ``relation`` is core.posting-shaped; parsed fields come from its ``match_*`` columns and
    clauses are only split for rows without a stored ``text_signature`` (rows loaded before either existed)."""
    parsed = _parsed_sql()
    emp_core = _emp_core_sql()
    if stored:
        parsed = {k: f"nullif(coalesce(match_{k}, {v}), '')" for k, v in parsed.items()}
        emp_core = f"coalesce(match_employer, {emp_core})"
    clauses = f"""list_distinct(list_transform(
            list_filter(regexp_split_to_array(lower(coalesce(description, '')), {_sql_str(_CLAUSE_SPLIT_RX)}),
                        lambda c: length(c) >= 2),
            lambda c: hash(c)))"""
    if stored:
        clauses = f"case when text_signature is null then {clauses} else []::ubigint[] end"
    return f"""
    select node,
        coalesce(district_adcode, city_adcode, '') as district,
        {emp_core} as emp_core,
        title_norm,
        {parsed["branch"]} as branch,
        town,
        {parsed["road_no"]} as road_no,
        {parsed["hours"]} as hours,
        case when coord_status in ('ok', 'swapped') then latitude end as lat,
        case when coord_status in ('ok', 'swapped') then longitude end as lon,
        -- monthly pay before extra months: 4-5千·13薪 and 4000-5000元/月 are the same offer
        salary_monthly_min * 12 / coalesce(nullif(salary_months, 0), 12) as sal_min,
        salary_monthly_max * 12 / coalesce(nullif(salary_months, 0), 12) as sal_max,
        {parsed["headcount"]} as headcount,
        {parsed["contact"]} as contact,
        coalesce(is_night_shift, false) as night,
        coalesce(salary_negotiable, false) and salary_monthly_min is null as sal_open,
        (date_posted - date '2000-01-01')::integer as day,
        {clauses} as clauses{", text_signature" if stored else ""}
    from {relation}
    """


def minhash(clauses: pa.ListArray, num_perm: int = NUM_PERM, seed: int = 1) -> np.ndarray:
    """MinHash signatures (n × num_perm, uint32) of lists of 64-bit clause hashes, vectorised over all
    postings at once (datasketch hashes one document per call, too slow for a million). An empty
    list gets all-max values, which never equal a real minimum by chance in a meaningful way."""
    clauses = clauses.cast(pa.list_(pa.uint64()))
    offsets = clauses.offsets.to_numpy()
    values = clauses.flatten().to_numpy(zero_copy_only=False).astype(np.uint64)
    n = len(offsets) - 1
    out = np.full((n, num_perm), np.iinfo(np.uint32).max, dtype=np.uint32)
    if len(values) == 0:
        return out
    rng = np.random.default_rng(seed)
    a = rng.integers(1, 2**63, num_perm, dtype=np.uint64) | np.uint64(1)
    b = rng.integers(0, 2**63, num_perm, dtype=np.uint64)
    starts = offsets[:-1]
    nonempty = offsets[1:] > starts
    idx = starts[nonempty]
    with np.errstate(over="ignore"):
        for k in range(num_perm):
            hv = ((values * a[k] + b[k]) >> np.uint64(32)).astype(np.uint32)
            out[nonempty, k] = np.minimum.reduceat(hv, idx)
    return out


def block_keys_sql(features: str, text_keys: str, bucket: bool = True) -> str:
    """One row per (posting, block key); ``text_keys`` holds ``node, mh0 .. mh{TEXT_KEYS-1}`` (null
    for a posting without description). ``bucket``: number postings within big blocks."""
    stem = "left(f.emp_core, 2)"
    parts = [
        f"select f.node, concat_ws('|', 't', f.district, {stem}, f.title_norm) as key, f.emp_core, f.day "
        f"from {features} f where f.title_norm is not null",
        f"select f.node, concat_ws('|', 'e', f.district, f.emp_core) as key, f.emp_core, f.day from {features} f",
        f"select f.node, concat_ws('|', 's', f.district, {stem}, round(f.sal_min)::bigint) as key, f.emp_core, f.day "
        f"from {features} f where f.sal_min is not null",
    ]
    for field in DETAIL_KEYS:  # a stated detail stands in for a title or pay worded differently
        parts.append(
            f"select f.node, concat_ws('|', '{field[0]}', f.district, {stem}, f.{field}) as key, f.emp_core, f.day "
            f"from {features} f where f.{field} is not null"
        )
    for k in range(TEXT_KEYS):
        parts.append(
            f"select f.node, concat_ws('|', 'm{k}', f.district, {stem}, t.mh{k}) as key, f.emp_core, f.day "
            f"from {features} f join {text_keys} t using (node) where t.mh{k} is not null"
        )
    union = "\nunion all\n".join(parts)
    if not bucket:
        return f"select node, key, emp_core, day from ({union}) where length(emp_core) >= 2"
    return f"""
    with keyed as ({union}),
    usable as (select * from keyed where length(emp_core) >= 2)
    select node, key,
        (row_number() over (partition by key order by emp_core, day, node) - 1) // {BLOCK_BUCKET} as bucket
    from usable
    """


def candidate_pairs_sql(keys: str, new_nodes: str | None = None) -> str:
    """Distinct pairs (a < b) sharing a block key in the same or adjacent sorted bucket; with
    ``new_nodes`` (a relation of ``node``), only pairs that involve at least one of them."""
    pairs = f"""
        select least(a.node, b.node) as a, greatest(a.node, b.node) as b
        from {keys} a join {keys} b on a.key = b.key and b.bucket = a.bucket and a.node < b.node
        union all
        select least(a.node, b.node), greatest(a.node, b.node)
        from {keys} a join {keys} b on a.key = b.key and b.bucket = a.bucket + 1
    """
    if new_nodes is None:
        return f"select distinct a, b from ({pairs})"
    return (f"select distinct a, b from ({pairs}) p "
            f"where a in (select node from {new_nodes}) or b in (select node from {new_nodes})")


# --------------------------------------------------------------------------------------------- scoring

#: fields that, when both postings state them and they differ, make two different jobs
CONFLICT_CODES = ("district", "branch", "town", "road_no", "hours", "headcount", "contact")
CODED = ("emp_core", "title_norm", *CONFLICT_CODES)


@dataclass
class Nodes:
    """Comparable fields of every posting in the matching universe, as arrays indexed by node."""

    cols: dict[str, np.ndarray]
    sig: np.ndarray  # MinHash signatures, n × NUM_PERM

    def __len__(self) -> int:
        return len(self.sig)


def _both(x: np.ndarray, a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    xa, xb = x[a], x[b]
    return xa, xb, (xa >= 0) & (xb >= 0) if xa.dtype.kind in "iu" else ~np.isnan(xa) & ~np.isnan(xb)


def _rel_diff(xa: np.ndarray, xb: np.ndarray) -> np.ndarray:
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.abs(xa - xb) / np.maximum(np.maximum(np.abs(xa), np.abs(xb)), 1e-9)


def pair_features(nodes: Nodes, a: np.ndarray, b: np.ndarray) -> dict[str, np.ndarray]:
    """Per-pair evidence: conflicts (bool) and similarities (0..1), all vectorised."""
    from rapidfuzz.distance import Indel
    from rapidfuzz.process import cpdist

    c = nodes.cols
    out: dict[str, np.ndarray] = {}
    for name in CONFLICT_CODES:
        xa, xb, known = _both(c[name + "_code"], a, b)
        out[f"{name}_known"] = known
        out[f"{name}_eq"] = known & (xa == xb)
    lat_a, lat_b, geo = _both(c["lat"], a, b)
    lon_a, lon_b = c["lon"][a], c["lon"][b]
    km = np.hypot((lat_a - lat_b) * 111.0, (lon_a - lon_b) * 111.0 * np.cos(np.radians(np.nan_to_num(lat_a))))
    out["geo_known"], out["geo_near"] = geo, geo & (km <= GEO_CONFLICT_KM)
    smin_a, smin_b, smin = _both(c["sal_min"], a, b)
    smax_a, smax_b, smax = _both(c["sal_max"], a, b)
    sal_off = (smin & (_rel_diff(smin_a, smin_b) > SALARY_TOLERANCE)) | (
        smax & (_rel_diff(smax_a, smax_b) > SALARY_TOLERANCE))
    out["sal_known"], out["sal_eq"] = smin, smin & ~sal_off
    sal_open = c["sal_open"]
    out["sal_open_vs_paid"] = (sal_open[a] & ~np.isnan(smin_b)) | (sal_open[b] & ~np.isnan(smin_a))
    shift_a, shift_b, shift = _both(c["shift"], a, b)
    out["night_off"] = shift & (shift_a != shift_b)
    day_a, day_b, days = _both(c["day"], a, b)  # -1: unknown
    out["days"] = np.where(days, np.abs(day_a - day_b), 0)
    out["emp_eq"] = c["emp_core_code"][a] == c["emp_core_code"][b]
    conflict = out["geo_known"] & ~out["geo_near"]
    for name in CONFLICT_CODES:
        conflict |= out[f"{name}_known"] & ~out[f"{name}_eq"]
    out["conflict"] = (
        conflict
        | (out["sal_known"] & ~out["sal_eq"])
        | out["night_off"]
        | (out["days"] > MAX_DAYS_APART)
    )
    # the costlier similarities only where no conflict already decided the pair
    live = np.flatnonzero(~out["conflict"])
    la, lb = a[live], b[live]
    tca, tcb = c["title_norm_code"][la], c["title_norm_code"][lb]
    title_sim = np.where((tca >= 0) & (tca == tcb), 1.0, 0.0)
    fuzzy = np.flatnonzero((tca >= 0) & (tcb >= 0) & (tca != tcb))
    if len(fuzzy):
        title = c["title_norm"]
        title_sim[fuzzy] = cpdist(title[la[fuzzy]], title[lb[fuzzy]], scorer=Indel.normalized_similarity, workers=-1)
    out["title_sim"] = np.zeros(len(a))
    out["title_sim"][live] = title_sim
    out["text_sim"] = np.zeros(len(a))
    for start in range(0, len(live), 1_000_000):  # bounded memory: pairs × NUM_PERM compares per chunk
        part = live[start:start + 1_000_000]
        out["text_sim"][part] = (nodes.sig[a[part]] == nodes.sig[b[part]]).mean(axis=1)
    return out


def load_nodes(con: duckdb.DuckDBPyConnection, features: str, stored: bool = False) -> Nodes:
    """Fetch ``features`` (ordered by node, nodes 0..n-1) into arrays; MinHash the clauses (``stored``:
    take the signature from ``text_signature`` where the pool has one).
    Fields compared only for equality arrive as 63-bit hashes (-1: not stated), computed by DuckDB."""
    codes = ", ".join(f"case when coalesce({c}, '') = '' then -1 else (hash({c}) >> 1)::bigint end as {c}_code"
                      for c in CODED)
    floats = ", ".join(f"coalesce({c}, 'NaN'::double) as {c}" for c in ("lat", "lon", "sal_min", "sal_max"))
    extra = ", text_signature" if stored else ""
    table = con.sql(f"select {codes}, {floats}, coalesce(title_norm, '') as title_norm, night, sal_open, "
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
    return Nodes(cols, sig)


#: log-odds that two non-conflicting postings are one vacancy, per agreeing detail (hand-set from
#: the labelled demo sites: what duplicates share far more often than look-alike vacancies do)
WEIGHTS = {
    "sal_eq": 2.0, "headcount_eq": 1.0, "contact_eq": 0.5, "branch_eq": 0.7, "town_eq": 0.5,
    "road_no_eq": 0.7, "hours_eq": 0.3, "geo_near": 0.5, "emp_eq": 0.3,
    "sal_open_vs_paid": -2.5,  # 面议 on one copy, a figure on the other: usually another vacancy
}
BIAS = -1.0
TITLE_WEIGHT, TEXT_WEIGHT, DAYS_WEIGHT, DAYS_FREE = 2.0, 2.0, 0.08, 7


def match_scores(feats: dict[str, np.ndarray]) -> np.ndarray:
    """match_score in 0..1 per pair (0 for a conflicting pair): a logistic over the evidence."""
    logit = np.full(len(feats["conflict"]), BIAS)
    for name, weight in WEIGHTS.items():
        logit += weight * feats[name]
    logit += TITLE_WEIGHT * (feats["title_sim"] - 0.5) + TEXT_WEIGHT * (feats["text_sim"] - 0.5)
    logit -= DAYS_WEIGHT * np.maximum(feats["days"] - DAYS_FREE, 0)
    score = 1.0 / (1.0 + np.exp(-logit))
    return np.where(feats["conflict"], 0.0, score)


# --------------------------------------------------------------------------------------------- clustering

class _Clusters:
    """Union-find whose roots carry the cluster's known conflict attributes and existing job."""

    def __init__(self, nodes: Nodes, members: np.ndarray, job: np.ndarray) -> None:
        c = nodes.cols
        self.parent = {int(m): int(m) for m in members}
        self.attrs: dict[int, dict[str, Any]] = {}
        codes = {name: c[name + "_code"] for name in CONFLICT_CODES}
        for m in members:
            m = int(m)
            a: dict[str, Any] = {name: int(codes[name][m]) for name in CONFLICT_CODES if codes[name][m] >= 0}
            if not np.isnan(c["sal_min"][m]):
                a["sal_min"] = float(c["sal_min"][m])
            if not np.isnan(c["sal_max"][m]):
                a["sal_max"] = float(c["sal_max"][m])
            if not np.isnan(c["lat"][m]):
                a["geo"] = (float(c["lat"][m]), float(c["lon"][m]))
            if not np.isnan(c["shift"][m]):
                a["night"] = bool(c["shift"][m])
            if job[m] >= 0:
                a["job"] = int(job[m])
            self.attrs[m] = a

    def find(self, x: int) -> int:
        root = x
        while self.parent[root] != root:
            root = self.parent[root]
        while self.parent[x] != root:
            self.parent[x], x = root, self.parent[x]
        return root

    @staticmethod
    def _compatible(a: dict[str, Any], b: dict[str, Any]) -> bool:
        for key, va in a.items():
            vb = b.get(key)
            if vb is None or va == vb:
                continue
            if key in ("sal_min", "sal_max"):
                if abs(va - vb) / max(abs(va), abs(vb), 1e-9) <= SALARY_TOLERANCE:
                    continue
            elif key == "geo":
                if np.hypot((va[0] - vb[0]) * 111.0, (va[1] - vb[1]) * 111.0 * np.cos(np.radians(va[0]))) \
                        <= GEO_CONFLICT_KM:
                    continue
            return False
        return True

    def union(self, x: int, y: int) -> bool:
        rx, ry = self.find(x), self.find(y)
        if rx == ry:
            return True
        ax, ay = self.attrs[rx], self.attrs[ry]
        if not self._compatible(ax, ay):
            return False
        if ry < rx:
            rx, ry, ax, ay = ry, rx, ay, ax
        self.parent[ry] = rx
        for key, value in ay.items():
            ax.setdefault(key, value)
        del self.attrs[ry]
        return True


def _best_per_node(ends: np.ndarray, values: np.ndarray, n: int) -> np.ndarray:
    """Per node the largest of ``values`` over the edges it ends (nan: none)."""
    out = np.full(n, np.nan)
    if len(ends):
        order = np.lexsort((-values, ends))
        sorted_ends = ends[order]
        first = np.r_[True, sorted_ends[1:] != sorted_ends[:-1]]
        out[sorted_ends[first]] = values[order][first]
    return out


def _detach_ambiguous(root: np.ndarray, a: np.ndarray, b: np.ndarray, score: np.ndarray,
                      job: np.ndarray, nodes: Nodes) -> np.ndarray:
    """A new posting matched strongly into its cluster *and* into another cluster it could not join
    (their details conflict) is ambiguous: which of the two vacancies it copies is not in the posting.
    Unless its own cluster wins by ``AMBIGUITY_MARGIN`` in match score, it becomes a job of its own
    rather than a guess. Existing postings never move."""
    n = len(root)
    same = root[a] == root[b]
    ends_in, ends_out = np.concatenate([a[same], b[same]]), np.concatenate([a[~same], b[~same]])
    best_in = _best_per_node(ends_in, np.concatenate([score[same], score[same]]), n)
    best_out = _best_per_node(ends_out, np.concatenate([score[~same], score[~same]]), n)
    vague = (nodes.cols["branch_code"] < 0) & (nodes.cols["road_no_code"] < 0)
    ambiguous = ~np.isnan(best_in) & ~np.isnan(best_out) & (best_in - best_out < AMBIGUITY_MARGIN) & (job < 0)
    ambiguous &= vague
    if not ambiguous.any():
        return root
    label = np.where(ambiguous, n + np.arange(n), root)  # detached: a cluster of its own
    _, inverse = np.unique(label, return_inverse=True)
    smallest = np.full(inverse.max() + 1, n, dtype=np.int64)
    np.minimum.at(smallest, inverse, np.arange(n))
    return smallest[inverse]  # a cluster's root is its smallest node (its earliest posting)


def cluster(nodes: Nodes, a: np.ndarray, b: np.ndarray, score: np.ndarray,
            job: np.ndarray, threshold: float = THRESHOLD) -> tuple[np.ndarray, np.ndarray]:
    """Cluster root per node, and per node the score of its best edge inside its cluster (nan: alone).
    ``job``: per node the code of the existing job it belongs to (-1: none).

    Edges at or above ``threshold`` are taken strongest first. Connected components that are already
    consistent (no two known values of a conflict attribute differ, at most one existing job) are
    accepted as they are, vectorised; only the others run the constrained union-find in Python."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    n = len(nodes)
    keep = score >= threshold
    a, b, score = a[keep], b[keep], score[keep]
    # strongest first; equal scores by node (pairs arrive from SQL in no fixed order, and which of two
    # equally strong edges is taken first decides a conflict: the same input must give the same jobs)
    order = np.lexsort((b, a, -score))
    a, b, score = a[order], b[order], score[order]
    graph = coo_matrix((np.ones(len(a), dtype=np.int8), (a, b)), shape=(n, n))
    _, comp = connected_components(graph, directed=False)
    consistent = np.ones(comp.max() + 1 if n else 0, dtype=bool)
    order = np.argsort(comp, kind="stable")
    sorted_comp = comp[order]
    starts = np.flatnonzero(np.r_[True, sorted_comp[1:] != sorted_comp[:-1]]) if n else np.zeros(0, np.int64)

    def minmax(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Min and max of the known (non-nan) values per component; nan where it knows none."""
        lo, hi = np.full(len(consistent), np.nan), np.full(len(consistent), np.nan)
        if len(starts):
            v = values[order].astype(np.float64)
            with np.errstate(invalid="ignore"):
                lo[sorted_comp[starts]] = np.fmin.reduceat(v, starts)
                hi[sorted_comp[starts]] = np.fmax.reduceat(v, starts)
        return lo, hi

    c = nodes.cols
    exact = [c[name + "_code"] for name in CONFLICT_CODES]
    exact.append(job)
    for codes in exact:
        lo, hi = minmax(np.where(codes >= 0, codes, np.nan))
        consistent &= ~(hi > lo)
    lo, hi = minmax(c["shift"])
    consistent &= ~(hi > lo)
    for name in ("sal_min", "sal_max"):
        lo, hi = minmax(c[name])
        consistent &= ~((hi - lo) > SALARY_TOLERANCE * hi)
    for name in ("lat", "lon"):  # a spread this small can never be a conflict; bigger ones are checked exactly
        lo, hi = minmax(c[name])
        consistent &= ~((hi - lo) * 111.0 > GEO_CONFLICT_KM / 2)
    first = np.full(comp.max() + 1 if n else 0, n, dtype=np.int64)
    if len(starts):
        first[sorted_comp[starts]] = np.minimum.reduceat(order, starts)  # smallest node of each component
    root = first[comp]
    slow = ~consistent[comp[a]]
    if slow.any():
        members = np.flatnonzero(~consistent[comp])
        uf = _Clusters(nodes, members, job)
        for x, y in zip(a[slow].tolist(), b[slow].tolist(), strict=True):
            uf.union(x, y)
        root[members] = [uf.find(m) for m in members.tolist()]
    if AMBIGUITY_MARGIN > 0:
        root = _detach_ambiguous(root, a, b, score, job, nodes)
    same = root[a] == root[b]
    best = np.full(n, np.nan)
    ends = np.concatenate([a[same], b[same]])
    if len(ends):  # per node, its strongest edge inside its cluster
        both = np.concatenate([score[same], score[same]])
        by_node = np.lexsort((-both, ends))
        nodes_sorted = ends[by_node]
        keep = np.r_[True, nodes_sorted[1:] != nodes_sorted[:-1]]
        best[nodes_sorted[keep]] = both[by_node][keep]
    return root, best


# --------------------------------------------------------------------------------------------- quality

@dataclass(frozen=True)
class Quality:
    """Pairwise precision/recall/F1 (over all pairs put in one job) and B-cubed F1 (per posting)."""

    precision: float
    recall: float
    f1: float
    bcubed_precision: float
    bcubed_recall: float
    bcubed_f1: float
    postings: int
    true_pairs: int
    predicted_pairs: int

    def as_dict(self) -> dict[str, float | int]:
        return {k: (round(v, 4) if isinstance(v, float) else v) for k, v in self.__dict__.items()}


def _f1(p: float, r: float) -> float:
    return 2 * p * r / (p + r) if p + r else 0.0


def quality(predicted: Sequence[Any], truth: Sequence[Any]) -> Quality:
    """Compare predicted job ids with true vacancy ids, posting by posting (same order)."""
    pred = np.unique(np.asarray(predicted, dtype=str), return_inverse=True)[1]
    true = np.unique(np.asarray(truth, dtype=str), return_inverse=True)[1]
    cell = pred.astype(np.int64) * (true.max() + 1 if len(true) else 1) + true
    _, cell_inv, cell_n = np.unique(cell, return_inverse=True, return_counts=True)
    pred_n = np.bincount(pred)
    true_n = np.bincount(true)
    pairs = lambda k: int((k * (k - 1) // 2).sum())  # noqa: E731
    tp, pp, tt = pairs(cell_n), pairs(pred_n), pairs(true_n)
    precision = tp / pp if pp else 1.0
    recall = tp / tt if tt else 1.0
    overlap = cell_n[cell_inv]
    bp = float(np.mean(overlap / pred_n[pred])) if len(pred) else 1.0
    br = float(np.mean(overlap / true_n[true])) if len(true) else 1.0
    return Quality(precision, recall, _f1(precision, recall), bp, br, _f1(bp, br), len(pred), tt, pp)


# --------------------------------------------------------------------------------------------- the step

RUN_ORDER = "batch_started_at, batch_id, record_index"


def _core_relation() -> str:
    """core.posting in the shape node_features_sql reads (it has every normalised field it needs)."""
    return "core.posting"


def match_run(con: duckdb.DuckDBPyConnection) -> pa.Table:
    """Match ``staging.posting_normalised`` against itself and against ``core.posting`` (read-only).

    Returns, per landed record (batch_id, record_index): copy_rank (1 = the run's latest copy of the
    record), record_known (already in core.posting), job_id, match_rule, match_score and
    text_signature, and registers it as ``dedup_assignment`` for ``staging/stg_posting_matched.sql``.
    Deterministic: the same inputs give the same job ids."""
    con.execute("""
        create or replace temp table dd_run as
        select n.batch_id, n.record_index, n.source, n.source_record_id, n.content_hash, n.batch_started_at,
               row_number() over (
                   partition by n.source, n.source_record_id
                   order by n.batch_started_at desc, n.batch_id desc, n.record_index desc) as copy_rank,
               p.job_id as known_job_id,
               coalesce(p.content_hash = n.content_hash, false) as same_content
        from staging.posting_normalised n
        left join core.posting p using (source, source_record_id)
    """)
    # nodes 0..R-1: this run's records that need matching, earliest first (the founder of a new job)
    con.execute(f"""
        create or replace temp table dd_run_nodes as
        select (row_number() over (order by {RUN_ORDER}) - 1)::bigint as node,
               batch_id, record_index, source, source_record_id, content_hash
        from dd_run where copy_rank = 1 and not same_content
    """)
    n_run = con.execute("select count(*) from dd_run_nodes").fetchone()[0]
    con.execute("create or replace temp view dd_run_rows as select r.node, n.* from staging.posting_normalised n "
                "join dd_run_nodes r using (batch_id, record_index)")
    con.execute(f"create or replace temp table dd_run_feat as {node_features_sql('dd_run_rows')}")
    run = load_nodes(con, "dd_run_feat")
    con.register("dd_run_text", _text_keys(run.sig))
    con.execute(f"create or replace temp table dd_run_keys as "
                f"{block_keys_sql('dd_run_feat', 'dd_run_text', bucket=False)}")

    # existing postings that can share a block key with this run: every key starts with district +
    # trade name, so the pool is first cut to the run's (district, trade name) pairs from stored columns
    # (rowid-addressed, no text read); then only rows within the sorted neighbourhood of a run posting
    # are kept: in a block sorted by employer and date, pool rows more than two buckets away from every
    # run row can never pair with one
    con.execute(f"""
        create or replace temp table dd_core_cand as
        select * from (
            select rowid as node, coalesce(district_adcode, city_adcode, '') as district,
                   coalesce(match_employer, {_emp_core_sql()}) as emp_core, title_norm,
                   salary_monthly_min * 12 / coalesce(nullif(salary_months, 0), 12) as sal_min,
                   (date_posted - date '2000-01-01')::integer as day,
                   {"".join(f"nullif(match_{k}, '') as {k}, " for k in DETAIL_KEYS)}
                   {", ".join(f"text_signature[{k + 1}] as mh{k}" for k in range(TEXT_KEYS))}
            from core.posting
        ) c semi join (select distinct district, left(emp_core, 2) as stem from dd_run_feat) r
          on r.district = c.district and r.stem = left(c.emp_core, 2)
    """)
    reach = 2 * BLOCK_BUCKET
    con.execute(f"""
        create or replace temp table dd_core_keys as
        with keys as ({block_keys_sql('dd_core_cand', 'dd_core_cand', bucket=False)}),
        pool as (
            select node as core_node, key, emp_core, day, false as is_run from keys semi join dd_run_keys using (key)
        ),
        shared as (
            select * from pool
            union all  -- only the blocks the pool shares (a first, full run has none)
            select null, key, emp_core, day, true from dd_run_keys semi join pool using (key)
        ),
        placed as (
            select *, row_number() over (partition by key order by emp_core, day, is_run, core_node) as pos
            from shared
        ),
        near as (
            select *,
                max(case when is_run then pos end) over (partition by key order by pos
                    rows between unbounded preceding and current row) as run_before,
                min(case when is_run then pos end) over (partition by key order by pos
                    rows between current row and unbounded following) as run_after
            from placed
        )
        select core_node, key, emp_core, day from near
        where not is_run and (pos - run_before <= {reach} or run_after - pos <= {reach})
    """)
    # the pool's text is read only for rows loaded before the parsed fields were stored
    legacy = con.execute("select count(*) from core.posting where match_branch is null or match_employer is null"
                         " or text_signature is null").fetchall()[0][0] > 0
    text_cols = ("description", "address", "employer_branch")
    text = "" if legacy else "".join(f", null::varchar as {c}" for c in text_cols)
    wanted = ("source, source_record_id, job_id, district_adcode, city_adcode, employer_key, title_norm, town, "
              "coord_status, latitude, longitude, salary_monthly_min, salary_monthly_max, salary_months, "
              "salary_negotiable, is_night_shift, date_posted, text_signature, "
              + ", ".join(f"match_{k}" for k in (*PARSED, "employer"))
              + ("".join(f", {c}" for c in text_cols) if legacy else ""))
    con.execute(f"""
        create or replace temp table dd_core_nodes as
        select ({n_run} + row_number() over (order by p.source, p.source_record_id) - 1)::bigint as node,
               p.rowid as core_node, {wanted}{text}
        from core.posting p
        -- whole jobs: a new posting may join a job only if it conflicts with none of the job's copies,
        -- including those outside its blocks (a job's vague copy must not let a new posting past a
        -- copy that states another store)
        where p.job_id in (select job_id from core.posting where rowid in (select core_node from dd_core_keys))
    """)
    con.execute(f"create or replace temp table dd_core_feat as {node_features_sql('dd_core_nodes', stored=True)}")
    nodes = _concat(run, load_nodes(con, "dd_core_feat", stored=True))
    con.execute(f"""
        create or replace temp table dd_keys as
        with keyed as (
            select node, key, emp_core, day from dd_run_keys
            union all
            select c.node, k.key, k.emp_core, k.day
            from dd_core_keys k join dd_core_nodes c on c.core_node = k.core_node
        )
        select node, key,
            (row_number() over (partition by key order by emp_core, day, node) - 1) // {BLOCK_BUCKET} as bucket
        from keyed
    """)
    pairs = con.sql(candidate_pairs_sql("dd_keys") + f" where a < {n_run}").fetchnumpy()
    a, b = pairs["a"].astype(np.int64), pairs["b"].astype(np.int64)
    score = match_scores(pair_features(nodes, a, b))
    job = np.concatenate([np.full(n_run, -1, np.int64), con.sql(
        "select (hash(job_id) >> 1)::bigint as j from dd_core_nodes order by node").fetchnumpy()["j"]])
    # an existing job's copies enter clustering already joined, so its every known detail constrains
    # who may join it; these edges come first and never count as a posting's match score
    job_a, job_b = _same_job_edges(job[n_run:])
    a, b = np.concatenate([job_a + n_run, a]), np.concatenate([job_b + n_run, b])
    score = np.concatenate([np.ones(len(job_a)), score])
    root, best = cluster(nodes, a, b, score, job)
    return _assign(con, root, best, nodes.sig[:n_run])


def _same_job_edges(job: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Edges from each node to the first node of its job (a star per job)."""
    if not len(job):
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    order = np.argsort(job, kind="stable")
    sorted_job = job[order]
    first = np.r_[True, sorted_job[1:] != sorted_job[:-1]]
    head = order[np.flatnonzero(first)[np.cumsum(first) - 1]]
    keep = ~first
    return head[keep], order[keep]


def _text_keys(sig: np.ndarray) -> pa.Table:
    """node, mh0.. as a table for blocking; null where the posting had no description text."""
    empty = (sig == np.iinfo(np.uint32).max).all(axis=1)
    cols = {"node": pa.array(np.arange(len(sig), dtype=np.int64))}
    for k in range(TEXT_KEYS):
        cols[f"mh{k}"] = pa.array(sig[:, k].astype(np.int64), mask=empty)
    return pa.table(cols)


def _concat(first: Nodes, second: Nodes) -> Nodes:
    cols = {k: np.concatenate([first.cols[k], second.cols[k]]) for k in first.cols}
    return Nodes(cols, np.concatenate([first.sig, second.sig]))


def _assign(con: duckdb.DuckDBPyConnection, root: np.ndarray, best: np.ndarray, run_sig: np.ndarray) -> pa.Table:
    """Job ids, rules and scores → a table keyed by (batch_id, record_index) for every landed record
    of the run (exact copies and unchanged records included). A cluster with an existing posting
    takes its job (clustering never puts two existing jobs in one cluster); a new cluster is named
    after its earliest posting (nodes are numbered earliest first, and a root is its smallest node)."""
    n_run = len(run_sig)
    signatures = pa.ListArray.from_arrays(pa.array(np.arange(0, (n_run + 1) * NUM_PERM, NUM_PERM, dtype=np.int32)),
                                          pa.array(run_sig.reshape(-1)))
    con.register("dd_root", pa.table({
        "node": pa.array(np.arange(len(root), dtype=np.int64)), "root": pa.array(root.astype(np.int64)),
        "best": pa.array(best, from_pandas=True)}))
    con.register("dd_sig", pa.table({"node": pa.array(np.arange(n_run, dtype=np.int64)), "sig": signatures}))
    # the parsed fields go to core.posting with the job ('' = not stated), so later runs need not re-parse
    parsed_m = ", ".join(f"coalesce(f.{k}, '') as {k}" for k in (*PARSED, "emp_core"))
    parsed_out = ",\n            ".join(f"coalesce(m.{k}, first_copy.{k}, k.match_{k}) as match_{k}" for k in PARSED)
    parsed_out += ",\n            coalesce(m.emp_core, first_copy.emp_core, k.match_employer) as match_employer"
    table = con.sql(f"""
        with clusters as (
            select root, count(*) as size, any_value(c.job_id) as existing_job
            from dd_root left join dd_core_nodes c using (node)
            group by root
        ),
        new_ids as (
            select r.node as root, md5(r.source || '|' || r.source_record_id) as h, r.content_hash
            from dd_run_nodes r semi join clusters on clusters.root = r.node
        ),
        matched as (
            select n.node, n.source, n.source_record_id, d.best, s.sig, {parsed_m},
                coalesce(c.existing_job,
                         -- a record that founded a job before and has since moved: keep ids unique
                         case when substr(i.h, 1, 16) in (select job_id from core.job)
                              then substr(md5(i.h || '|' || i.content_hash), 1, 16)
                              else substr(i.h, 1, 16) end) as job_id,
                case when c.size > 1 then 'near_duplicate' else 'no_match' end as match_rule
            from dd_run_nodes n
            join dd_root d using (node)
            join dd_sig s using (node)
            join dd_run_feat f using (node)
            join clusters c on c.root = d.root
            left join new_ids i on i.root = d.root
        )
        select r.batch_id, r.record_index, r.copy_rank, r.known_job_id is not null as record_known,
            coalesce(m.job_id, first_copy.job_id, r.known_job_id) as job_id,
            case when r.copy_rank > 1 then 'exact_copy_in_run'
                 when r.same_content then 'exact_record'
                 else m.match_rule end as match_rule,
            case when r.copy_rank > 1 or r.same_content then 1.0 else m.best end as match_score,
            coalesce(m.sig, first_copy.sig, k.text_signature) as text_signature,
            {parsed_out}
        from dd_run r
        left join dd_run_nodes n using (batch_id, record_index)
        left join matched m on m.node = n.node
        left join matched first_copy
               on r.copy_rank > 1 and first_copy.source = r.source and first_copy.source_record_id = r.source_record_id
        left join core.posting k on r.same_content and k.source = r.source and k.source_record_id = r.source_record_id
    """).to_arrow_table()
    for name in ("dd_root", "dd_sig"):
        con.unregister(name)
    con.register("dedup_assignment", table)
    return table


# --------------------------------------------------------------------------------------------- baselines

def exact_hash_groups(titles: Sequence[str | None], employers: Sequence[str | None],
                      descriptions: Sequence[str | None]) -> list[str]:
    """Baseline 1: postings with byte-identical title, employer and description are one job."""
    return [hashlib.md5(f"{t}\x1f{e}\x1f{d}".encode()).hexdigest()
            for t, e, d in zip(titles, employers, descriptions, strict=True)]


def tfidf_cosine_groups(descriptions: Sequence[str | None], threshold: float = 0.75) -> np.ndarray:
    """Baseline 2 (JobFunnel's rule): TF-IDF cosine of descriptions ≥ ``threshold`` → same job,
    then connected components. Chinese has no spaces, so terms are character uni- and bigrams
    (sklearn's word tokenizer would see whole sentences); IDF smoothed as sklearn does. All pairs:
    quadratic, fine for a demo site, not for a pool."""
    from scipy.sparse import csr_matrix
    from scipy.sparse.csgraph import connected_components

    vocab: dict[str, int] = {}
    rows: list[int] = []
    cols: list[int] = []
    for i, text in enumerate(descriptions):
        text = text or ""
        for term in [*text, *(text[j:j + 2] for j in range(len(text) - 1))]:
            rows.append(i)
            cols.append(vocab.setdefault(term, len(vocab)))
    n = len(descriptions)
    tf = csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(n, max(len(vocab), 1)))
    tf.sum_duplicates()
    df = np.bincount(tf.indices, minlength=tf.shape[1])
    idf = np.log((1 + n) / (1 + df)) + 1.0
    x = tf.multiply(idf).tocsr()
    norms = np.sqrt(np.asarray(x.multiply(x).sum(axis=1)).ravel())
    norms[norms == 0] = 1.0
    x = csr_matrix(x.multiply(1.0 / norms[:, None]))
    sim = (x @ x.T).tocoo()
    keep = (sim.data >= threshold) & (sim.row < sim.col)
    graph = csr_matrix((np.ones(int(keep.sum())), (sim.row[keep], sim.col[keep])), shape=(n, n))
    return connected_components(graph, directed=False)[1]
