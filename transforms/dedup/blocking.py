"""Blocking: each posting's comparison features (parsed in SQL) and the keys that decide which pairs
are compared at all. A pair that shares no key is never scored: recall is bounded here, and bucket
sizes bound the cost."""

from __future__ import annotations

import csv
from functools import lru_cache

import numpy as np
import pyarrow as pa

from transforms.vocabulary import CITY_ADCODE, REFERENCE_DIR

NUM_PERM = 64  # MinHash permutations over description clauses
BLOCK_BUCKET = 20  # a block bigger than this is cut into buckets sorted by employer and date (sorted neighbourhood)
TEXT_KEYS = 1  # MinHash values used as blocking keys
#: parsed details that are block keys too (with district + trade name): copies that name the same
#: working hours or contact person meet even when title, pay and employer are worded apart
#: (安保员 / 保安, 5833 / 5800, legal / shop name) and no third copy bridges them, as in a later run
DETAIL_KEYS = ("hours", "contact")
#: innermost bracket naming a branch: 鸿远超市（疃里店）, （长沟门店2分店）, （马营校区）
_BRANCH_RX = r"[（(]([^（）()\s]{1,14}?(?:店|站|部|点|中心|区|处|基地|分公司|院|所|厂|场))[）)]"
#: punctuation, brackets and list marks that re-punctuating or re-numbering a description changes:
#: a description is compared as the set of its clauses between them; list numbers (1、 （2） ③)
#: fall out as clauses shorter than two characters
_CLAUSE_SPLIT_RX = r"[\s,.;:!?，。；：！？、|｜【】\[\]（）()<>《》\-—~～•·*①②③④⑤⑥⑦⑧⑨⑩\"'“”‘’]+"
#: 招聘收银员2名 (headcount), （王经理） (contact person): both stay after personal data is masked
_HEADCOUNT_RX = r"招聘[^\d\n，,。；]{0,20}?(\d{1,4})\s*[名人位]"
_CONTACT_RX = r"[（(](\p{Han}(?:先生|女士|小姐|经理|主管|店长|老师|师傅|部长|总))[）)]"
#: working hours as boards write them: 8:00-17:00, 8点-17点, 早上8点到下午5点半, 20:00至次日8:00
_DAYTIME = "(早上|上午|中午|下午|晚上|夜间|凌晨)?"
_HOURS_RX = (_DAYTIME + r"\s*(\d{1,2})\s*[:：点时]\s*(\d{2}|半)?\s*分?\s*[-~～—－至到]+\s*(次日|第二天|隔天)?\s*"
             + _DAYTIME + r"\s*(\d{1,2})\s*[:：点时]\s*(\d{2}|半)?")
#: a named shift (夜班, 早班 …); a posting naming several (两班倒: 白班 and 夜班) names none
_SHIFT_RX = r"(早班|中班|晚班|大夜班|夜班|通宵班|白班|长白班)"


@lru_cache(maxsize=1)
def place_prefixes() -> tuple[str, ...]:
    """Names an employer's legal name may start with in this deployment: the province, the city and
    its counties, full and short (山东省, 济宁, 兖州区, 兖州 …), longest first."""
    names: set[str] = set()
    with open(REFERENCE_DIR / "places.csv", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            code = row["adcode"]
            county = code.startswith(CITY_ADCODE[:4]) and row["level"] == "county"
            if code in (CITY_ADCODE[:2] + "0000", CITY_ADCODE) or county:
                names.update(n for n in (row["name"], row["short"]) if n)
    return tuple(sorted(names, key=len, reverse=True))


def _sql_str(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


#: fields read out of free text by regex; stored in core.posting (``match_<name>``, '' = none stated) so
#: an incremental run never re-parses the pool's descriptions
PARSED = ("branch", "road_no", "hours", "headcount", "contact", "shift_name")


def _hours_sql(text: str) -> str:
    """Working hours in one spelling, H:MM-H:MM on a 24-hour clock (下午5点半 → 17:30; an end before the
    start within 12 hours and not 次日 is afternoon: 9:00-6:00 → 9:00-18:00), or null."""
    def clock(ap: str, h: str) -> str:
        return (f"(try_cast(r.{h} as integer) + case when r.{ap} in ('下午', '晚上') "
                f"and try_cast(r.{h} as integer) < 12 then 12 else 0 end)")

    def minutes(m: str) -> str:
        return f"(case r.{m} when '' then '00' when '半' then '30' else r.{m} end)"

    start, end = clock("ap1", "h1"), clock("ap2", "h2")
    end = (f"(case when r.next = '' and r.ap2 = '' and {end} < {start} and {end} + 12 > {start} "
           f"and {end} < 12 then {end} + 12 else {end} end)")
    groups = "['ap1', 'h1', 'm1', 'next', 'ap2', 'h2', 'm2']"
    return (f"list_transform([regexp_extract({text}, {_sql_str(_HOURS_RX)}, {groups})], lambda r: "
            f"case when r.h1 = '' then null else {start}::varchar || ':' || {minutes('m1')} || '-' "
            f"|| {end}::varchar || ':' || {minutes('m2')} end)[1]")


def _parsed_sql() -> dict[str, str]:
    """SQL per parsed field over a normalised posting (null when the posting does not state it)."""
    return {
        "branch": f"""nullif(regexp_replace(coalesce(
            nullif(employer_branch, ''),
            nullif(regexp_extract(coalesce(address, '') || ' ' || coalesce(description, ''),
                                  {_sql_str(_BRANCH_RX)}, 1), '')
        ), '[\\s()（）]', '', 'g'), '')""",
        "road_no": "nullif(regexp_extract(coalesce(address, ''), '(\\d+)号', 1), '')",
        "hours": _hours_sql("coalesce(description, '')"),
        "headcount": f"nullif(regexp_extract(coalesce(description, ''), {_sql_str(_HEADCOUNT_RX)}, 1), '')",
        "contact": f"nullif(regexp_extract(coalesce(description, ''), {_sql_str(_CONTACT_RX)}, 1), '')",
        "shift_name": f"""list_transform([list_distinct(list_transform(
            regexp_extract_all(coalesce(title, '') || ' ' || coalesce(description, ''), {_sql_str(_SHIFT_RX)}),
            lambda w: case when w in ('大夜班', '通宵班') then '夜班' when w = '长白班' then '白班' else w end))],
            lambda ws: case when len(ws) = 1 then ws[1] end)[1]""",
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
        # a row stored before match_shift_name existed is re-parsed whole (its hours were spelled otherwise)
        parsed = {k: f"nullif(case when match_shift_name is null then {v} else coalesce(match_{k}, {v}) end, '')"
                  for k, v in parsed.items()}
        emp_core = f"coalesce(match_employer, {emp_core})"
    clauses = f"""list_distinct(list_transform(
            list_filter(regexp_split_to_array(lower(coalesce(description, '')), {_sql_str(_CLAUSE_SPLIT_RX)}),
                        lambda c: length(c) >= 2),
            lambda c: hash(c)))"""
    if stored:
        # a signature of another length (stored when NUM_PERM was 16) is recomputed from the text
        clauses = f"case when {_current_signature()} is null then {clauses} else []::ubigint[] end"
    return f"""
    select node,
        -- a copy naming no district (济宁市 only) meets its copies that name one in city-level blocks
        -- (block_keys_sql); two stated districts that differ are a veto (score.VETO_CODES)
        {CITY_SQL} as city,
        district_adcode as district,
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
        -- the unit pay is stated in: 时薪 vs 月薪 copies compare only through a conversion
        case when salary_period in ('YEAR', 'MONTH') then 'MONTH' else salary_period end as sal_period,
        employment_type,
        {parsed["headcount"]} as headcount,
        {parsed["contact"]} as contact,
        {parsed["shift_name"]} as shift_name,
        coalesce(is_night_shift, false) as night,
        coalesce(salary_negotiable, false) and salary_monthly_min is null as sal_open,
        (date_posted - date '2000-01-01')::integer as day,
        {clauses} as clauses{f", {_current_signature()} as text_signature" if stored else ""}
    from {relation}
    """


#: SQL over a posting: its city's adcode (from its district's when the city is not stated)
CITY_SQL = "coalesce(city_adcode, left(district_adcode, 4) || '00', '')"


def _current_signature(column: str = "text_signature") -> str:
    """SQL: the stored signature if it has this version's NUM_PERM values, else null (recompute it)."""
    return f"case when len({column}) = {NUM_PERM} then {column} end"


_MINHASH_CHUNK = 1 << 15


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
    rows = np.flatnonzero(offsets[1:] > offsets[:-1])
    starts, ends = offsets[:-1][rows], offsets[1:][rows]
    # postings in chunks of about _MINHASH_CHUNK clauses (256 KB), every permutation over a chunk while
    # it is in cache, into one reused buffer: at a million postings 2.2 s, where all clauses at once
    # (25M × 8 bytes per temporary) took 13.5 s
    first = 0
    with np.errstate(over="ignore"):
        while first < len(rows):
            last = max(int(np.searchsorted(ends, starts[first] + _MINHASH_CHUNK, side="right")), first + 1)
            lo, hi = starts[first], ends[last - 1]
            part, local = values[lo:hi], starts[first:last] - lo
            buf = np.empty_like(part)
            block = np.empty((last - first, num_perm), dtype=np.uint32)
            for k in range(num_perm):
                np.multiply(part, a[k], out=buf)
                np.add(buf, b[k], out=buf)
                np.right_shift(buf, np.uint64(32), out=buf)
                block[:, k] = np.minimum.reduceat(buf, local)
            out[rows[first:last]] = block
            first = last
    return out


def block_keys_sql(features: str, text_keys: str, bucket: bool = True) -> str:
    """One row per (posting, block key), with ``vague``: the posting names no district. ``text_keys``
    holds ``node, mh0 .. mh{TEXT_KEYS-1}`` (null for a posting without description). ``bucket``:
    number postings within big blocks.

    Every key exists twice: per district (a vague posting's district is its city), and per city
    (prefix ``C``), where only pairs with a vague posting count (``candidate_pairs_sql``). So a copy
    naming only 济宁市 meets its copies that name 任城区, and the rest stay in district-sized blocks
    (city-sized ones gave five times the pairs at a million postings)."""
    stem = "left(f.emp_core, 2)"
    kinds = [  # (letter, key parts after the area, relation, condition)
        ("t", f"{stem}, f.title_norm", f"{features} f", "f.title_norm is not null"),
        ("e", "f.emp_core", f"{features} f", "true"),
        ("s", f"{stem}, round(f.sal_min)::bigint", f"{features} f", "f.sal_min is not null"),
        # a stated detail stands in for a title or pay worded differently
        *((field[0], f"{stem}, f.{field}", f"{features} f", f"f.{field} is not null") for field in DETAIL_KEYS),
        *((f"m{k}", f"{stem}, t.mh{k}", f"{features} f join {text_keys} t using (node)", f"t.mh{k} is not null")
          for k in range(TEXT_KEYS)),
    ]
    parts = [
        f"select f.node, concat_ws('|', '{prefix}{letter}', {area}, {rest}) as key, f.emp_core, f.day, "
        f"f.district is null as vague from {relation} where {condition}"
        for letter, rest, relation, condition in kinds
        for prefix, area in (("", "coalesce(f.district, f.city)"), ("C", "f.city"))
    ]
    union = "\nunion all\n".join(parts)
    usable = f"select node, key, emp_core, day, vague from ({union}) where length(emp_core) >= 2"
    return bucketed_keys_sql(f"({usable})") if bucket else usable


def bucketed_keys_sql(keyed: str) -> str:
    """``keyed`` (node, key, emp_core, day, vague) → node, key, vague, bucket: each block sorted by
    employer and date and cut into buckets of BLOCK_BUCKET (sorted neighbourhood); a city-level block
    is kept only if a vague posting is in it."""
    return f"""
    select node, key, vague,
        (row_number() over (partition by key order by emp_core, day, node) - 1) // {BLOCK_BUCKET} as bucket
    from {keyed}
    qualify left(key, 1) <> 'C' or bool_or(vague) over (partition by key)
    """


#: pairs of a city-level block count only with a vague posting in them
CITY_PAIR_RULE = "(left(a.key, 1) <> 'C' or a.vague or b.vague)"


def candidate_pairs_sql(keys: str, new_nodes: str | None = None) -> str:
    """Distinct pairs (a < b) sharing a block key in the same or adjacent sorted bucket; with
    ``new_nodes`` (a relation of ``node``), only pairs that involve at least one of them."""
    pairs = f"""
        select least(a.node, b.node) as a, greatest(a.node, b.node) as b
        from {keys} a join {keys} b on a.key = b.key and b.bucket = a.bucket and a.node < b.node
        where {CITY_PAIR_RULE}
        union all
        select least(a.node, b.node), greatest(a.node, b.node)
        from {keys} a join {keys} b on a.key = b.key and b.bucket = a.bucket + 1
        where {CITY_PAIR_RULE}
    """
    if new_nodes is None:
        return f"select distinct a, b from ({pairs})"
    return (f"select distinct a, b from ({pairs}) p "
            f"where a in (select node from {new_nodes}) or b in (select node from {new_nodes})")


def _text_keys(sig: np.ndarray) -> pa.Table:
    """node, mh0.. as a table for blocking; null where the posting had no description text."""
    empty = (sig == np.iinfo(np.uint32).max).all(axis=1)
    cols = {"node": pa.array(np.arange(len(sig), dtype=np.int64))}
    for k in range(TEXT_KEYS):
        cols[f"mh{k}"] = pa.array(sig[:, k].astype(np.int64), mask=empty)
    return pa.table(cols)
