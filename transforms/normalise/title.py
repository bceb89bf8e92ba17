"""Job titles: strip board decoration, unify synonyms, and place the job in a GB/T 6565 major group.

Boards decorate titles to catch the eye (【急招】, （日结）, ``妈妈岗-``, ``高薪诚聘``); the decoration
carries tags, not the job, so it is removed before titles are compared. Synonyms map the many names
of one occupation (骑手 / 外卖配送员) to one normalised title.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

# Decoration: bracketed asides, eye-catchers, group labels used as prefixes/suffixes.
_BRACKETS = re.compile(r"[【\[(（<《「][^】\])）>》」]{0,20}[】\])）>》」]")
_PREFIX_LABELS = re.compile(
    r"^(?:急招|急聘|高薪|诚聘|直招|招聘|热招|长期招|诚招|妈妈岗|宝妈岗|银龄岗|助残岗|短期|临时|兼职|日结|周结|"
    r"弹性|零工)[\s\-—_:：·|/]*"
)
_SUFFIX_LABELS = re.compile(
    r"[\s\-—_:：·|/]*(?:急招|急聘|高薪|包吃住|可日结|日结|周结|妈妈岗|银龄岗|助残岗|若干名?|\d+名|数名)$"
)
_NOISE = re.compile(r"[\s\-—_:：·|/!！~～*★☆#]+")

#: one normalised title for the names an occupation goes by
SYNONYMS: dict[str, str] = {
    "骑手": "外卖配送员",
    "外卖骑手": "外卖配送员",
    "外卖员": "外卖配送员",
    "送餐员": "外卖配送员",
    "配送员": "外卖配送员",
    "外卖送餐员": "外卖配送员",
    "快递员": "快递员",
    "快递小哥": "快递员",
    "快递分拣": "快递分拣员",
    "分拣员": "快递分拣员",
    "理货": "理货员",
    "超市理货员": "理货员",
    "收银": "收银员",
    "超市收银员": "收银员",
    "保洁": "保洁员",
    "清洁工": "保洁员",
    "保洁阿姨": "保洁员",
    "保安员": "保安",
    "门卫": "保安",
    "服务员": "餐厅服务员",
    "餐饮服务员": "餐厅服务员",
    "厨工": "厨师",
    "厨师长": "厨师",
    "普通工人": "普工",
    "操作工": "普工",
    "包装工": "普工",
    "搬运工": "装卸工",
    "导购员": "商场导购",
    "导购": "商场导购",
    "营业员": "商场导购",
    "护工": "养老护理员",
    "护理员": "养老护理员",
    "保姆": "家政服务员",
    "家政": "家政服务员",
    "钟点工": "家政服务员",
    "客服": "客服专员",
    "网格员": "社区网格员",
    "促销员": "临时促销员",
    "采摘工": "农产品采摘工",
}

#: GB/T 6565-2015 major groups (大类), matched on the normalised title
MAJOR_GROUPS: list[tuple[str, str]] = [
    ("1", "党的机关、国家机关、群众团体和社会组织、企事业单位负责人"),
    ("2", "专业技术人员"),
    ("3", "办事人员和有关人员"),
    ("4", "社会生产服务和生活服务人员"),
    ("5", "农、林、牧、渔业生产及辅助人员"),
    ("6", "生产制造及有关人员"),
    ("7", "军人"),
    ("8", "不便分类的其他从业人员"),
]
# Matched in this order on the normalised (lower-cased) title; the first rule that matches decides.
# Occupation words, not employment status: 实习生 / 兼职 say nothing about the group.
_GROUP_RULES: list[tuple[str, re.Pattern[str]]] = [
    ("1", re.compile(r"经理|总监|主管|店长|厂长|负责人|总经理|director|manager|\bhead of")),
    ("2", re.compile(
        r"工程师|会计|教师|老师|讲师|教员|医生|护士|设计师|程序员|开发|研发|律师|分析师|技术员|药师|家教|编辑|架构师|"
        r"算法|数据分析|大数据|数据挖掘|前端|后端|测试|运维|爬虫|专家|咨询顾问|咨询师|"
        r"python|java|php|\bweb|\bdba\b|engineer|developer|analyst|scientist|architect|teacher|nurse"
    )),
    ("3", re.compile(r"文员|行政|助理|专员|前台|网格员|办事员|统计|出纳|客服|clerk|assistant")),
    ("5", re.compile(r"采摘|采收|种植|养殖|农|林|牧|渔|园林")),
    ("6", re.compile(r"普工|电焊|焊工|叉车|钳工|车工|机修|装配|质检|操作工|电工|木工|瓦工|维修工|包装|生产|缝纫")),
    ("4", re.compile(
        r"服务员|收银|理货|保洁|保安|安保|值班员|门岗|家政|月嫂|育婴|育儿嫂|厨|炒菜|传菜|骑手|配送|快递|分拣|导购|销售|"
        r"业务员|促销|护理|司机|装卸|搬运|物业|美容|美发|保姆|外卖|客房|洗碗|面点|售货|营业员|代驾|托管|"
        r"仓库管理员|仓管|库管|经纪人|置业顾问|课程顾问"
    )),
]
_LIST_LITERAL = re.compile(r"^\[\s*(['\"])(.*?)\1\s*\]$")


@lru_cache(maxsize=200_000)
def normalise_title(title: str | None) -> str | None:
    """Comparable title: decoration off, synonyms unified, punctuation and spaces removed."""
    if not title:
        return None
    text = unicodedata.normalize("NFKC", title).strip().lower()
    literal = _LIST_LITERAL.match(text)  # scraped cells such as ['大数据架构师'], or [] for none
    if literal:
        text = literal.group(2).strip()
    if not text or text.replace(" ", "") == "[]":
        return None
    for _ in range(3):  # decoration nests: 【急招】妈妈岗-收银员（日结）
        stripped = _SUFFIX_LABELS.sub("", _PREFIX_LABELS.sub("", _BRACKETS.sub("", text))).strip()
        if stripped == text:
            break
        text = stripped
    text = _NOISE.sub("", text) or _NOISE.sub("", unicodedata.normalize("NFKC", title).lower())
    return SYNONYMS.get(text, text) or None


@lru_cache(maxsize=200_000)
def major_group(title_norm: str | None) -> str:
    """GB/T 6565 major group code ("8" when no rule knows the title)."""
    if title_norm:
        for code, pattern in _GROUP_RULES:
            if pattern.search(title_norm):
                return code
    return "8"
