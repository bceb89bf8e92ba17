"""Normalise employer names into a display name, a matching key and an optional branch.

Why: the same employer appears as ``济宁市XX商贸有限公司``, ``XX商贸（太白湖店）``, ``XX商贸有限公司
任城分公司`` or Glassdoor's ``Company\\n3.8``; deduplication and per-employer counts need one key for
all of them, while the branch is kept separately because it still tells a job seeker where to go.

Key recipe: NFKC → drop a Glassdoor rating line → split off a trailing bracketed branch or an
``…分公司/分店/…`` tail → strip leading province/city/county prefixes (山东省, 济宁市, 任城区 …) →
strip legal-form suffixes (有限责任公司, 集团, Co., Ltd., Inc., LLC …) → lower-case and remove
punctuation/whitespace. A mid-name bracket such as ``小小黛朵（北京）科技有限公司`` is part of the name,
so its text is kept (only the bracket characters go). An ``X分店`` tail with no preceding legal suffix
is split only when X is a known place name or a numbered store; otherwise it stays in the name
(we cannot tell ``银座超市太白湖分店``'s brand from its branch without a gazetteer).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache


@dataclass(frozen=True)
class Employer:
    """``name``: cleaned display name (branch removed); ``key``: matching key; ``branch``: store/branch."""

    name: str
    key: str
    branch: str | None


PLACE_PREFIXES = (
    "山东省", "山东", "济宁市", "济宁",
    "任城区", "兖州区", "微山县", "鱼台县", "金乡县", "嘉祥县", "汶上县", "泗水县", "梁山县", "曲阜市", "邹城市",
)  # fmt: skip
# Place names that may start a branch tail without a legal suffix before it (XX分公司 / XX分店).
_BRANCH_PLACES = (
    "北京|上海|天津|重庆|河北|山西|辽宁|吉林|黑龙江|江苏|浙江|安徽|福建|江西|山东|河南|湖北|湖南|广东|海南|四川"
    "|贵州|云南|陕西|甘肃|青海|台湾|内蒙古|广西|西藏|宁夏|新疆|香港|澳门|济南|青岛|淄博|枣庄|东营|烟台|潍坊|济宁"
    "|泰安|威海|日照|临沂|德州|聊城|滨州|菏泽|任城|兖州|微山|鱼台|金乡|嘉祥|汶上|泗水|梁山|曲阜|邹城|太白湖|高新区"
)
_LEGAL_SUFFIXES = (
    "股份有限公司", "有限责任公司", "有限公司", "集团公司", "分公司", "集团", "控股", "公司",
    "co., ltd.", "co.,ltd.", "co. ltd.", "co ltd", "co.", "ltd.", "ltd", "limited", "inc.", "inc",
    "incorporated", "llc", "l.l.c.", "corp.", "corp", "corporation", "gmbh", "plc", "company",
)  # fmt: skip
_LEGAL_BRACKET = re.compile(r"^(?:集团|控股|股份|普通合伙|特殊普通合伙|有限合伙|个体工商户)$")
_RATING = re.compile(r"\s*\n\s*\d(?:\.\d)?\s*$")
_TRAILING_BRACKET = re.compile(r"^(?P<base>.+?)\s*[(\[【]\s*(?P<branch>[^()\[\]【】]+?)\s*[)\]】]\s*$")
_BRANCH_WORDS = r"(?:分公司|分店|分行|支行|营业部|分部|门店|分厂|分院|分校|校区)"
_AFTER_LEGAL = re.compile(rf"^(?P<base>.+(?:有限责任公司|有限公司|集团|公司))(?P<branch>.{{1,20}}?{_BRANCH_WORDS})$")
_PLACE_BRANCH = re.compile(
    rf"^(?P<base>.{{2,}}?)(?P<branch>(?:{_BRANCH_PLACES})(?:省|市|区|县)?.{{0,4}}?{_BRANCH_WORDS}"
    rf"|第?[0-9一二三四五六七八九十]+号?{_BRANCH_WORDS})$"
)
_PREFIX_RX = re.compile("^(?:" + "|".join(sorted(map(re.escape, PLACE_PREFIXES), key=len, reverse=True)) + ")+")
_SUFFIX_RX = re.compile(
    r"(?:[\s,]*(?:" + "|".join(sorted(map(re.escape, _LEGAL_SUFFIXES), key=len, reverse=True)) + r"))+\s*$",
    re.I,
)
# Without its place prefix, "山东大学"/"济宁医学院" would collapse to a generic word; keep the prefix then.
_GENERIC = re.compile(
    r"^(?:第?[一二三四五六七八九十\d]+)?(?:人民|中心|中医|妇幼保健|职业技术|职业|师范|医学|医|理工|科技|农业|商业|工业)?"
    r"(?:大学|学院|医院|中学|小学|幼儿园|学校|银行|日报|电视台|广播电视台|公司|集团)$"
)
_PUNCT = re.compile(r"[\W_]+", re.UNICODE)
# Boards truncate long names ("珠海深译信息有限..."); drop the ellipsis and the cut-off legal suffix.
_TRUNCATED = re.compile(r"(?:有限责?任?公?|股份有?限?公?|集团?公?)?\s*(?:\.{2,}|…+)$")


# Cheap exact pre-checks for the end-anchored patterns (``re`` would try them from every position):
# a branch tail ends with a branch word, a truncated name with dots, a legal suffix with one of these
# characters (its last character in either case; ``re.I`` folds no other character onto them).
_BRANCH_TAILS = tuple(_BRANCH_WORDS[3:-1].split("|"))
_TRUNCATION_TAILS = (".", "…")
_SUFFIX_LAST = frozenset(c for suffix in _LEGAL_SUFFIXES for c in (suffix[-1], suffix[-1].upper()))


# Every character a legal-suffix chain can hold (``re.I`` folds included), as a class: a chain lies in
# the maximal tail run of such characters, so the end-anchored suffix pattern only runs on that run
# (the reversed text lets ``match`` measure the run without trying every start position).
_SUFFIX_CHARS = re.compile(
    "[" + "".join(sorted({re.escape(c) for suffix in _LEGAL_SUFFIXES for c in suffix})) + r"\s,]*", re.I
)
_WS = re.compile(r"\s+")
_BRACKET_ENDS = (")", "]", "】")


def _strip_suffixes(text: str) -> str:
    if text.rstrip()[-1:] not in _SUFFIX_LAST:
        return text
    start = len(text) - _SUFFIX_CHARS.match(text[::-1]).end()  # type: ignore[union-attr]
    return text[:start] + _SUFFIX_RX.sub("", text[start:])


def _split_branch(name: str) -> tuple[str, str | None, str]:
    """(display name, branch, text the key is built from); a legal-form bracket is dropped from the key."""
    m = _TRAILING_BRACKET.match(name) if name.endswith(_BRACKET_ENDS) else None
    if m:
        if _LEGAL_BRACKET.match(m.group("branch")):
            return name, None, m.group("base").strip()
        return m.group("base").strip(), m.group("branch").strip(), m.group("base").strip()
    for rx in (_AFTER_LEGAL, _PLACE_BRANCH) if name.endswith(_BRANCH_TAILS) else ():
        m = rx.match(name)
        if m:
            return m.group("base").strip(), m.group("branch").strip(), m.group("base").strip()
    return name, None, name


def employer_parts(name: object) -> tuple[str, str, str | None] | None:
    """(display name, key, branch) of :func:`normalise_employer`, uncached and without the dataclass:
    the batch path calls it once per distinct name, and names rarely repeat across batches."""
    if name is None:
        return None
    s = unicodedata.normalize("NFKC", str(name))
    if "\n" in s:
        s = _RATING.sub("", s)
    # After NFKC every whitespace character but " " is non-printable, so a printable text without a
    # double space has nothing for the collapse to change.
    if "  " in s or not s.isprintable():
        s = _WS.sub(" ", s)
    s = s.strip()
    if not s or s in {"-1", "[]", "nan"}:
        return None
    display, branch, base = _split_branch(s)
    if base.endswith(_TRUNCATION_TAILS):
        base = _TRUNCATED.sub("", base).strip() or base
    core = _PREFIX_RX.sub("", base) or base
    core = _strip_suffixes(core).strip() or core
    if _GENERIC.match(core):
        core = _strip_suffixes(base).strip() or base
    # str.isalnum() is exactly "every character is \w and none is _": nothing for _PUNCT to remove
    key = (core if core.isalnum() else _PUNCT.sub("", core)).lower() or _PUNCT.sub("", base).lower()
    return display, key, branch


@lru_cache(maxsize=131_072)
def normalise_employer(name: str | None) -> Employer | None:
    """Return the cleaned ``Employer``; None for blank names and the ``-1``/``[]`` sentinels."""
    parts = employer_parts(name)
    return None if parts is None else Employer(*parts)
