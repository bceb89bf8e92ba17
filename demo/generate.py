"""Deterministic demo data for Jining 济宁: real-looking vacancies, each copied onto 1–3 sources.

Why: the pipeline (crawl → land → normalise → dedup) needs inputs whose ground truth is known. A
*vacancy* is one real job; a *posting* is how one source shows it. Postings of one vacancy vary the
way real boards do (titles, employer legal vs shop name, salary units, address granularity, dates,
boilerplate); *hard negatives* are different vacancies that look alike (same employer + title +
template, another branch / shift / salary). ``truth.parquet`` records which posting is which vacancy.

Everything derives from ``random.Random(seed)`` and a fixed ``base_date``: same seed → same bytes.
``generate_records`` is the vectorised fast path (numpy + pyarrow) for benchmarks.
"""

from __future__ import annotations

import csv
import io
import json
import random
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta, timezone
from email.utils import format_datetime
from html import escape
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from demo.jining_towns import DISTRICTS, TOWNS

BASE_DATE = date(2026, 11, 20)
SOURCES = ("jsonld_board", "plain_board", "gig_station", "hr_system")
VACANCIES_PER_SCALE = 300
LIST_PAGE_SIZE = 20
CSV_HEADER = (
    "编号",
    "岗位名称",
    "用工单位",
    "工作地点",
    "薪资待遇",
    "用工类型",
    "岗位标签",
    "岗位描述",
    "联系电话",
    "发布日期",
    "截止日期",
)
CST = timezone(timedelta(hours=8))
MALFORMED_SHARE = 0.03
# Defects per source; the first is the source-specific one, so every source gets at least that one.
DEFECTS = {
    "jsonld_board": (
        "broken_jsonld",
        "missing_title",
        "empty_description",
        "bad_salary",
        "future_date",
        "garbage_date",
    ),
    "plain_board": ("missing_title", "empty_description", "bad_salary", "garbage_date", "future_date"),
    "gig_station": (
        "bad_columns",
        "missing_title",
        "empty_description",
        "bad_salary",
        "garbage_date",
        "future_date",
    ),
    "hr_system": ("missing_element", "empty_description", "bad_salary", "future_date", "garbage_date"),
}


# --------------------------------------------------------------------------------------------- content


class Pay(NamedTuple):
    """Salary model: unit M/D/H/Y, kind range|above|base|single|negotiable; 13薪 flag."""

    unit: str
    lo: int
    hi: int
    kind: str
    months13: bool = False


class Occ(NamedTuple):
    titles: tuple[str, ...]
    kinds: tuple[str, ...]
    pays: tuple[tuple[str, int, int, int, str], ...]  # unit, lo_min, lo_max, width, kind
    emps: tuple[str, ...]  # full | part | temp | daily
    flex: tuple[str, ...]
    duties: tuple[str, ...]
    reqs: tuple[str, ...]


# Occupation table, four lines each: titles (first = canonical, rest = synonyms) / employer kinds /
# employment kinds / flexible-work tags; salary specs unit:lo_min:lo_max:width:kind; duties; requirements.
_OCC_TABLE = """
超市理货员 理货员 超市理货 / retail / full part / 妈妈岗 银龄岗 短时岗
    M:2800:3800:1000:range M:3000:3500:0:above
    负责商品上架、补货、陈列及价签核对|做好货架及库区的清洁卫生|协助盘点，及时反馈临期和缺货商品
    身体健康，吃苦耐劳|有超市工作经验者优先
收银员 超市收银员 收银 / retail mall / full part / 妈妈岗 短时岗 弹性岗
    M:3000:3800:800:range H:16:22:0:single
    负责顾客结账收银、开具小票|熟练使用收银系统及扫码支付|做好交接班及现金核对
    为人诚实细心，有责任心|会简单电脑操作
外卖骑手 外卖配送员 骑手 外卖送餐员 / delivery / full part / 弹性岗 日结 夜班
    M:6000:8000:4000:range M:3000:4000:0:base
    负责区域内外卖订单的取餐和配送|遵守交通规则，确保准时安全送达|维护良好的顾客服务形象
    18-50周岁，会使用智能手机|有电动车者优先，站点可提供租车
保洁员 保洁 清洁工 / property mall housekeeping / full part / 银龄岗 妈妈岗 短时岗
    M:2000:2800:500:range H:15:20:0:single
    负责公共区域、楼道及卫生间的日常清洁|做好垃圾分类和清运|完成主管安排的其他保洁任务
    年龄65岁以下，身体健康|勤快踏实，能吃苦
保安 保安员 安保员 / security property / full / 银龄岗 夜班
    M:2600:3200:600:range M:3000:3500:0:above
    负责门岗值守、来访人员登记|日常巡逻，排查安全隐患|协助处理突发事件，维护秩序
    男女不限，身体健康，无违法记录|退伍军人优先
家政服务员 家政阿姨 保姆 / housekeeping / full part / 银龄岗 弹性岗 短时岗
    M:4000:5500:1500:range H:30:40:0:single
    负责雇主家庭日常清洁、做饭|照顾老人或接送孩子|按约定完成家务服务
    50岁以下优先，爱干净，会做家常菜|持健康证者优先
月嫂 母婴护理师 金牌月嫂 / housekeeping / full
    M:8000:12000:4000:range
    负责产妇月子期间的饮食起居照料|新生儿喂养、洗澡、抚触和护理|指导产妇科学育儿
    持母婴护理证书|有经验者优先，性格温和
育婴师 育儿嫂 / housekeeping education / full / 妈妈岗
    M:5000:7000:2000:range
    负责0-3岁婴幼儿日常照护|制定辅食和作息计划|开展早期智力开发游戏
    持育婴师证|有耐心爱心，有带娃经验
餐厅服务员 服务员 传菜员 / catering / full part daily / 短时岗 妈妈岗 日结 弹性岗
    M:3000:3800:800:range H:15:20:0:single D:100:140:0:single
    负责餐前准备、点餐、上菜|做好餐厅卫生及餐具整理|热情接待顾客，处理简单投诉
    形象干净，普通话流利|能适应轮班
厨师 厨师（炒锅） 炒菜师傅 / catering / full / 夜班
    M:5000:7000:2000:range
    负责热菜制作及出品质量|做好食材验收和保存|保持厨房卫生符合食品安全要求
    持健康证，有两年以上工作经验|会做鲁菜者优先
快递分拣员 分拣员 快递分拣工 / logistics / full temp daily / 夜班 日结 临时岗 助残岗
    M:4000:5500:1500:range H:16:22:0:single D:150:200:0:single
    负责快递包裹的扫描、分拣和装车|按线路码放货物|保持分拣区域整洁
    18-55周岁，能适应倒班|能吃苦，服从安排
普工 操作工 生产普工 / manufacturing / full / 夜班 银龄岗 助残岗
    M:4500:5500:1500:range M:4000:5000:0:above
    按工艺要求完成流水线操作|做好产品自检和设备日常保养|遵守车间安全生产制度
    18-50周岁，初中以上学历|能适应两班倒
电焊工 焊工 二保焊工 / manufacturing / full temp / 夜班
    M:6000:8000:2000:range D:250:350:0:single
    负责钢结构件的焊接作业|看懂简单图纸，保证焊接质量|做好焊接设备的维护
    持焊工证|有二保焊、氩弧焊经验者优先
叉车司机 叉车工 / logistics manufacturing / full / 夜班
    M:5000:6500:1500:range
    负责货物的装卸、搬运和码放|做好叉车日常检查和保养|配合仓库完成出入库作业
    持叉车操作证|一年以上工作经验
仓库管理员 库管 仓管员 / logistics manufacturing retail / full / 夜班 助残岗
    M:3500:4500:1000:range
    负责物料出入库登记和账目管理|定期盘点，确保账实相符|整理库区，做好防火防潮
    高中以上学历，会电脑办公软件|细心负责
销售代表 销售专员 业务员 / sales manufacturing / full
    M:3000:4000:0:base Y:60000:80000:30000:range
    负责区域客户开发和维护|完成公司下达的销售任务|收集市场信息，反馈客户需求
    大专以上学历，有驾照优先|沟通能力强，能接受出差
客服专员 电话客服 在线客服 / callcenter / full part / 助残岗 妈妈岗 弹性岗
    M:3500:4500:1000:range H:18:22:0:single
    负责接听客户来电，解答业务咨询|处理客户投诉并做好记录|完成回访任务
    普通话标准，打字每分钟40字以上|有耐心，性格开朗
会计 财务会计 主办会计 / finance manufacturing / full part / 妈妈岗
    M:4000:5500:1500:range Y:60000:80000:20000:range
    负责日常账务处理和凭证录入|编制月度财务报表|办理纳税申报
    财会相关专业，持初级会计证|熟练使用财务软件
小学托管老师 托管老师 托管班老师 / education / full part / 妈妈岗 短时岗
    M:3000:4000:1000:range H:25:35:0:single
    负责小学生午托、晚托期间的看护|辅导学生完成家庭作业|与家长保持沟通
    大专以上学历，有教师资格证优先|喜欢孩子，有责任心
物业维修工 维修工 水电维修工 / property / full / 银龄岗 夜班
    M:3500:4500:1000:range
    负责小区水电设施的日常维修|定期巡检公共设备设施|及时处理业主报修
    持电工证|有物业维修经验者优先
社区网格员 网格员 专职网格员 / community / full
    M:2800:3300:500:range M:3000:3000:0:above
    负责网格内人口信息采集和更新|开展矛盾纠纷排查和政策宣传|协助社区做好民生服务
    本地户籍，大专以上学历|熟练使用电脑和手机办公
养老护理员 护理员 护工 / elderly / full / 银龄岗 夜班
    M:3500:4800:1200:range
    负责老人日常生活照料|协助老人进餐、洗漱、康复活动|观察老人身体状况并做好记录
    60岁以下，身体健康|持养老护理员证优先，可免费培训
商场导购 导购员 导购 / mall retail / full part / 妈妈岗 弹性岗
    M:2500:3000:0:base M:3500:5000:1500:range
    负责专柜商品介绍和销售|做好商品陈列和库存管理|维护会员客户
    形象气质佳，有销售经验|能适应商场排班
家教 家庭教师 初中数学家教 / education / part / 短时岗 弹性岗
    H:60:120:0:single
    上门为中小学生辅导功课|根据学生情况制定学习计划|定期向家长反馈学习效果
    在校大学生或在职教师|有责任心，表达清楚
农产品采摘工 采摘工 大蒜采收工 / agriculture / temp daily / 日结 临时岗 银龄岗
    D:100:160:0:single H:12:18:0:single
    负责果蔬采摘、分级和装箱|按要求搬运到集货点|遵守基地管理规定
    70岁以下，能干农活|自带手套，管午饭
装卸工 搬运工 装卸搬运工 / logistics manufacturing / temp daily full / 日结 临时岗 夜班
    D:180:260:0:single H:25:35:0:single M:5000:7000:2000:range
    负责货车装车、卸车|按要求码放货物|注意作业安全，轻拿轻放
    男性，身体强壮|能吃苦耐劳，多劳多得
临时促销员 促销员 周末促销员 / retail mall sales / temp part daily / 临时岗 日结 短时岗
    D:120:180:0:single H:15:20:0:single
    负责门店产品的现场推介和试吃|完成促销活动的布置|统计当日销量
    口齿伶俐，性格外向|周末及节假日能上岗
洗碗工 洗碗阿姨 后厨帮工 / catering / full part / 银龄岗 短时岗 助残岗
    M:2500:3200:500:range H:14:18:0:single
    负责餐具、厨具的清洗和消毒|保持洗碗间卫生|协助后厨择菜、打杂
    年龄65岁以下|干活麻利，爱干净
包装工 包装员 成品包装工 / manufacturing agriculture / full temp / 助残岗 妈妈岗 银龄岗
    M:3500:4500:1000:range D:100:150:0:single
    负责产品的装袋、封箱和贴标|按要求检查产品外观|清点数量并做好记录
    视力良好，手脚麻利|服从安排，能坐得住
门卫 门岗值班员 传达室值班员 / property manufacturing community / full / 银龄岗 夜班 助残岗
    M:1800:2500:500:range
    负责大门值守和车辆进出登记|收发快递报刊|夜间巡查
    65岁以下，身体健康|有责任心
"""


def _parse_occupations(text: str) -> dict[str, Occ]:
    lines = [line.strip() for line in text.strip().splitlines()]
    table: dict[str, Occ] = {}
    for head, pays, duties, reqs in zip(*[iter(lines)] * 4, strict=True):
        titles, kinds, emps, *flex = [part.split() for part in head.split(" / ")]
        specs = tuple(
            (u, int(a), int(b), int(c), k) for u, a, b, c, k in (p.split(":") for p in pays.split())
        )
        table[titles[0]] = Occ(
            tuple(titles),
            tuple(kinds),
            specs,
            tuple(emps),
            tuple(flex[0] if flex else ()),
            tuple(duties.split("|")),
            tuple(reqs.split("|")),
        )
    return table


OCCUPATIONS: dict[str, Occ] = _parse_occupations(_OCC_TABLE)
CATEGORY = {
    "retail": "零售/超市",
    "mall": "零售/商场",
    "catering": "餐饮服务",
    "property": "物业服务",
    "security": "安保服务",
    "housekeeping": "家政服务",
    "delivery": "即时配送",
    "logistics": "物流仓储",
    "manufacturing": "生产制造",
    "education": "教育培训",
    "elderly": "养老服务",
    "sales": "销售",
    "callcenter": "客户服务",
    "finance": "财务会计",
    "agriculture": "农业",
    "community": "社区服务",
}
# legal-name suffix, brand pattern ({s} stem, {b} branch label)
KINDS: dict[str, tuple[str, str]] = {
    "retail": ("商业连锁有限公司", "{s}超市（{b}店）"),
    "mall": ("百货有限公司", "{s}购物广场（{b}店）"),
    "catering": ("餐饮管理有限公司", "{s}{f}（{b}店）"),
    "property": ("物业管理有限公司", "{s}物业（{b}项目部）"),
    "security": ("保安服务有限公司", "{s}保安（{b}服务点）"),
    "housekeeping": ("家政服务有限公司", "{s}家政（{b}门店）"),
    "delivery": ("配送服务有限公司", "{s}外卖（{b}站）"),
    "logistics": ("物流有限公司", "{s}快递（{b}分拣中心）"),
    "manufacturing": ("{f}有限公司", "{s}{f}（{b}厂区）"),
    "education": ("教育咨询有限公司", "{s}托管中心（{b}校区）"),
    "elderly": ("养老服务有限公司", "{s}颐养院（{b}院区）"),
    "sales": ("商贸有限公司", "{s}商贸（{b}办事处）"),
    "callcenter": ("信息技术有限公司", "{s}客服中心（{b}基地）"),
    "finance": ("财税服务有限公司", "{s}财税（{b}服务部）"),
    "agriculture": ("果蔬种植专业合作社", "{s}农场（{b}基地）"),
    "community": ("", "{b}{s}社区"),
}
FLAVOURS = {
    "catering": ("快餐", "酒楼", "面馆", "水饺", "甏肉干饭", "羊汤馆", "砂锅"),
    "manufacturing": ("机械制造", "食品", "纺织", "新材料", "包装制品"),
}
STEMS = (
    "鸿远 金泰 孔乡 鲁源 润达 祥和 聚福 宏润 瑞丰 嘉禾 福满 恒信 佳和 众康 新润 汇通 永盛 兴旺 乐家 安康 "
    "惠民 德润 中和 立华 博远 盛源 圣泉 银河 泰和 金桥 华润泽 运泰 鑫达 同济 荣盛 海川 和顺 康源 信达 "
    "万和 天成 富源 广进 诚信 宏达 东岳 鲁信 明德 启航 春晖"
).split()
PREFIXES = {
    "370811": ("济宁", "济宁市", "山东"),
    "370812": ("兖州", "济宁"),
    "370826": ("微山县", "济宁"),
    "370827": ("鱼台县", "济宁"),
    "370828": ("金乡县", "山东"),
    "370829": ("嘉祥县", "济宁"),
    "370830": ("汶上县", "济宁"),
    "370831": ("泗水县", "山东"),
    "370832": ("梁山县", "济宁"),
    "370881": ("曲阜", "曲阜市", "山东"),
    "370883": ("邹城", "邹城市", "山东"),
}
ROADS = {
    "370811": "太白楼路 共青团路 建设北路 红星中路 琵琶山路 洸河路 古槐路 吴泰闸路 运河路 金宇路 火炬路",
    "370812": "建设东路 九州大道 龙桥路 中御桥路 文化路 兴隆路",
    "370826": "奎文路 建设路 微山湖大道 商业街",
    "370827": "湖陵路 谷亭路 鱼台大道 滨湖大道",
    "370828": "金山街 奎星路 中心街 金曲路",
    "370829": "呈祥大道 嘉宁路 建设路 萌山路",
    "370830": "宝相寺路 圣泽大街 中都大街 政和路",
    "370831": "泉源大道 龙城路 圣地路 金泉路",
    "370832": "水泊路 青年路 杏花村路 文化路",
    "370881": "静轩路 春秋路 大成路 鼓楼大街 逵泉路 裕隆路",
    "370883": "岗山路 平阳路 唐王山路 太平东路 千泉路 峄山路",
}
VILLAGE_STREETS = ("中心街", "府前街", "商贸街", "工业园路", "人民路", "大街")
SURNAMES = "王李张刘陈杨赵黄周吴孙马朱胡郭何高林罗郑"
FLEX_LINES = {
    "妈妈岗": "妈妈岗：工作时间{h}，方便接送孩子，适合宝妈。",
    "银龄岗": "银龄岗：欢迎50-65岁身体健康的人员报名。",
    "助残岗": "助残岗：欢迎残疾人朋友报名，工作环境无障碍。",
    "夜班": "夜班岗位，有夜班补贴。",
    "短时岗": "短时岗：每天工作4小时左右，时间可商量。",
    "弹性岗": "弹性岗：上班时间灵活，可自主选择班次。",
    "临时岗": "临时用工，用工期约{d}天。",
    "日结": "工资日结，当天完工当天结算。",
}
WELFARE = (
    "五险一金",
    "包吃住",
    "包午餐",
    "周末双休",
    "月休4天",
    "节日福利",
    "岗前培训",
    "交通补贴",
    "带薪年假",
)
BOILERPLATE = {
    "jsonld_board": ("【济宁人才网】", "求职提醒：凡收取押金、服装费、培训费的招聘均涉嫌违法，请提高警惕。"),
    "plain_board": ("", "温馨提示：本信息由用人单位发布，应聘时请核实单位资质。"),
    "gig_station": ("零工小站推荐岗位：", "零工小站提醒：务工请签订用工协议，遇欠薪可拨打12333。"),
    "hr_system": ("", ""),
}
BAD_SALARY = ("薪资：详见面谈!!", "工资高高高", "￥￥￥", "具体面谈~~~", "待遇从优？？")
GARBAGE_DATES = ("2026-13-45", "0000-00-00", "下周一", "N/A", "2026年11月", "昨天下午")


# --------------------------------------------------------------------------------------------- model


@dataclass(frozen=True)
class Branch:
    brand: str
    district: str
    town: str
    town_code: str
    street: str
    lon: float
    lat: float


@dataclass
class Employer:
    employer_id: str
    kind: str
    legal: str
    stem: str
    flavour: str
    district: str
    phone: str
    branches: list[Branch] = field(default_factory=list)


@dataclass
class Vacancy:
    vacancy_id: str
    occ: str
    title: str
    employer: Employer
    branch: Branch
    pay: Pay
    emp: str
    shift: str | None
    hours: str
    flex: tuple[str, ...]
    welfare: tuple[str, ...]
    headcount: int
    phone: str
    contact: str
    posted: date
    valid_days: int
    idcard: str | None
    temp_days: int


@dataclass
class Posting:
    """One record as a source shows it; ``vacancy_id``/``employer_id``/``malformed`` are ground truth.

    ``district_adcode``/``town`` are the vacancy's true place; ``latitude``/``longitude`` are only set
    where the source publishes coordinates (jsonld_board). ``salary_struct`` is (min, max, unitText) when
    the source publishes structured salary.
    """

    vacancy_id: str
    employer_id: str
    source: str
    source_record_id: str
    title: str | None
    description: str
    hiring_organization: str
    job_location: str
    district_adcode: str
    town: str
    latitude: float | None
    longitude: float | None
    base_salary: str
    employment_type: str
    date_posted: str
    valid_through: str
    tags: list[str]
    contact_phone: str
    malformed: str | None = None
    salary_struct: tuple[int | None, int | None, str] | None = None
    work_hours: str = ""
    category: str = ""
    shape: str = "object"  # jsonld_board: object | graph | array
    unclosed_html: bool = False


# --------------------------------------------------------------------------------------------- helpers


def _mobile(rng: random.Random) -> str:
    return f"1{rng.choice('3456789')}{rng.randrange(10**9):09d}"


def _landline(rng: random.Random) -> str:
    return f"0537-{rng.randint(2, 8)}{rng.randrange(10**6):06d}"


def _fmt_phone(rng: random.Random, phone: str) -> str:
    if phone.startswith("0537-"):
        return rng.choice((phone, phone.replace("-", ""), f"(0537){phone[5:]}", f"0537 {phone[5:]}"))
    return rng.choice(
        (phone, phone, f"{phone[:3]}-{phone[3:7]}-{phone[7:]}", f"{phone[:3]} {phone[3:7]} {phone[7:]}")
    )


def _idcard(rng: random.Random, district: str) -> str:
    """An 18-digit ID-card-like number with a valid ISO 7064 check digit (personal data to mask)."""
    born = date(1965, 1, 1) + timedelta(days=rng.randrange(365 * 35))
    body = f"{district}{born:%Y%m%d}{rng.randrange(1000):03d}"
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    return body + "10X98765432"[sum(int(c) * w for c, w in zip(body, weights, strict=True)) % 11]


def _town_stem(name: str) -> str:
    for suffix in ("街道", "镇", "乡"):
        if name.endswith(suffix) and len(name) > len(suffix) + 1:
            return name[: -len(suffix)]
    return name


def _num(value: float) -> str:
    return f"{value:g}"


def _weighted_sample(rng: random.Random, weights: dict[str, float], k: int) -> list[str]:
    pool = dict(weights)
    out: list[str] = []
    for _ in range(k):
        pick = rng.choices(list(pool), weights=list(pool.values()))[0]
        out.append(pick)
        del pool[pick]
    return out


# --------------------------------------------------------------------------------------------- world


class _World:
    """Employers and branches, created on demand so that hard negatives can reuse them."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.employers: dict[str, list[Employer]] = {}
        self.used_legal: set[str] = set()
        self.towns_by_district: dict[str, list[tuple[str, str, str, float, float, str]]] = {}
        for town in TOWNS:
            self.towns_by_district.setdefault(town[2], []).append(town)

    def new_branch(self, emp: Employer, district: str) -> Branch:
        rng = self.rng
        town = rng.choice(self.towns_by_district[district])
        street_town = town[0].endswith("街道")
        road = (
            rng.choice(ROADS[district].split())
            if street_town
            else _town_stem(town[0]) + rng.choice(VILLAGE_STREETS)
        )
        label = road if street_town and rng.random() < 0.33 else _town_stem(town[0])
        if emp.kind == "community":
            brand = f"{town[0]}{emp.stem}社区"
        else:
            brand = KINDS[emp.kind][1].format(s=emp.stem, b=label, f=emp.flavour)
        if any(b.brand == brand for b in emp.branches):
            brand = brand.replace("）", f"{len(emp.branches) + 1}分店）") if "）" in brand else brand + "二部"
        while any(b.brand == brand for b in emp.branches):  # a third 社区 branch: 二部 is taken
            brand += str(len(emp.branches) + 1)
        lon = town[3] + rng.uniform(-0.012, 0.012)
        lat = town[4] + rng.uniform(-0.01, 0.01)
        branch = Branch(
            brand, district, town[0], town[1], f"{road}{rng.randint(1, 399)}号", round(lon, 6), round(lat, 6)
        )
        emp.branches.append(branch)
        return branch

    def new_employer(self, kind: str) -> Employer:
        rng = self.rng
        district = rng.choices(list(DISTRICTS), weights=[5, 2, 1, 1, 1.2, 1, 1, 1, 1, 1.6, 1.8])[0]
        n = sum(len(v) for v in self.employers.values())
        for attempt in range(200):
            stem = rng.choice(STEMS) + ("" if attempt < 20 else rng.choice(STEMS)[:1])
            flavour = rng.choice(FLAVOURS.get(kind, ("",)))
            if kind == "community":
                legal = f"济宁市{DISTRICTS[district][0]}{{town}}办事处"
            elif kind == "agriculture":
                legal = f"{DISTRICTS[district][0]}{stem}{KINDS[kind][0]}"
            else:
                legal = f"{rng.choice(PREFIXES[district])}{stem}{KINDS[kind][0].format(f=flavour)}"
            if legal not in self.used_legal or kind == "community":
                break
        emp = Employer(
            f"E{n + 1:05d}",
            kind,
            legal,
            stem,
            flavour,
            district,
            _landline(rng) if rng.random() < 0.4 else _mobile(rng),
        )
        self.new_branch(emp, district)
        if kind == "community":  # the employer of a 网格员 is the street office of that town
            emp.legal = legal.format(town=emp.branches[0].town)
        self.used_legal.add(emp.legal)
        self.employers.setdefault(kind, []).append(emp)
        return emp

    def employer(self, kind: str) -> Employer:
        existing = self.employers.get(kind, [])
        if existing and self.rng.random() < 0.45:
            return self.rng.choice(existing)
        return self.new_employer(kind)


def _pay(rng: random.Random, spec: tuple[str, int, int, int, str]) -> Pay:
    unit, lo_min, lo_max, width, kind = spec
    step = {"M": 100, "Y": 10000, "D": 10, "H": 1}[unit]
    lo = rng.randrange(lo_min, lo_max + 1, step) if lo_max > lo_min else lo_min
    if unit == "M" and kind == "range":
        lo = lo // 500 * 500 if rng.random() < 0.7 else lo
    if kind == "range" and rng.random() < 0.06:
        return Pay(unit, lo, lo, "negotiable")
    return Pay(unit, lo, lo + width if kind == "range" else lo, kind, unit == "M" and rng.random() < 0.12)


def _hours(rng: random.Random, flex: Sequence[str], shift: str | None) -> str:
    if "妈妈岗" in flex:
        return rng.choice(("9:00-15:00", "8:30-14:30", "9:00-15:30"))
    if shift == "夜班":
        return rng.choice(("20:00-次日8:00", "22:00-次日6:00", "19:00-次日7:00"))
    if "短时岗" in flex:
        return rng.choice(("11:00-14:00", "17:00-21:00", "8:00-12:00"))
    return rng.choice(("8:00-17:00", "8:30-17:30", "9:00-18:00", "7:30-16:30"))


def _vacancy(rng: random.Random, world: _World, vid: str, base_date: date) -> Vacancy:
    occ_key = rng.choice(list(OCCUPATIONS))
    occ = OCCUPATIONS[occ_key]
    emp = world.employer(rng.choice(occ.kinds))
    branch = rng.choice(emp.branches)
    flex = tuple(t for t in occ.flex if rng.random() < 0.3)
    shift = "夜班" if "夜班" in flex else None
    emp_kind = rng.choice(occ.emps)
    if emp_kind == "daily" and "日结" not in flex:
        flex += ("日结",)
    return Vacancy(
        vacancy_id=vid,
        occ=occ_key,
        title=occ.titles[0] if rng.random() < 0.8 else rng.choice(occ.titles),
        employer=emp,
        branch=branch,
        pay=_pay(rng, rng.choice(occ.pays)),
        emp=emp_kind,
        shift=shift,
        hours=_hours(rng, flex, shift),
        flex=flex,
        welfare=tuple(rng.sample(WELFARE, rng.randint(0, 3))),
        headcount=rng.choice((1, 1, 2, 2, 3, 5, 10)),
        phone=emp.phone if rng.random() < 0.6 else _mobile(rng),
        contact=rng.choice(SURNAMES) + rng.choice(("经理", "女士", "先生", "主管", "店长")),
        posted=base_date - timedelta(days=rng.randint(3, 45)),
        valid_days=rng.choice((15, 30, 30, 45, 60)),
        idcard=_idcard(rng, branch.district) if rng.random() < 0.03 else None,
        temp_days=rng.choice((3, 7, 15, 30)),
    )


def _hard_negative(rng: random.Random, world: _World, base: Vacancy, vid: str) -> Vacancy:
    """Same employer + title + template, but a different job: another branch, shift or salary."""
    how = rng.choice(("branch", "branch", "shift", "salary"))
    new = replace(
        base,
        vacancy_id=vid,
        posted=base.posted + timedelta(days=rng.randint(-3, 3)),
        headcount=rng.choice((1, 2, 3)),
        idcard=None,
    )
    if how == "branch":
        other = [b for b in base.employer.branches if b != base.branch]
        district = base.branch.district if rng.random() < 0.6 else rng.choice(list(DISTRICTS))
        new.branch = (
            rng.choice(other) if other and rng.random() < 0.5 else world.new_branch(base.employer, district)
        )
    elif how == "shift":
        new.shift = "白班" if base.shift == "夜班" else "夜班"
        new.flex = tuple(t for t in base.flex if t not in ("夜班", "妈妈岗")) + (
            ("夜班",) if new.shift == "夜班" else ()
        )
        new.hours = _hours(rng, new.flex, new.shift)
    else:
        delta = {"M": 500, "Y": 10000, "D": 20, "H": 3}[base.pay.unit]
        new.pay = base.pay._replace(
            lo=base.pay.lo + delta,
            hi=base.pay.hi + delta,
            kind="range" if base.pay.kind == "negotiable" else base.pay.kind,
        )
    return new


# --------------------------------------------------------------------------------------------- variation


def _salary_text(rng: random.Random, pay: Pay, source: str, first: bool) -> str:
    """The same pay as one of the forms real boards use; non-first copies may switch unit."""
    lo, hi, unit = pay.lo, pay.hi, pay.unit
    if pay.kind == "negotiable":
        return rng.choice(("面议", "薪资面议", "面议"))
    if pay.kind == "base":
        return rng.choice((f"底薪{lo}+提成", f"底薪{lo}元+提成", f"{lo}+提成"))
    if pay.kind == "above":
        return rng.choice((f"{lo}元以上", f"{lo}以上/月", f"{_num(lo / 1000)}千以上"))
    if unit == "Y":
        if not first and rng.random() < 0.4:
            return f"{lo // 12 // 100 * 100}-{hi // 12 // 100 * 100}元/月"
        return rng.choice(
            (f"年薪{_num(lo / 1e4)}-{_num(hi / 1e4)}万", f"{_num(lo / 1e4)}-{_num(hi / 1e4)}万/年")
        )
    if unit == "H":
        if not first and rng.random() < 0.3:
            return f"{lo * 8}元/天"
        return rng.choice((f"{lo}元/小时", f"时薪{lo}元", f"{lo}元/时"))
    if unit == "D":
        forms = [f"{lo}元/天", f"{lo}元/日", f"日结{lo}元"] + (
            [f"日结{lo}元"] * 2 if source == "gig_station" else []
        )
        return rng.choice(forms)
    forms = [
        f"{_num(lo / 1000)}-{_num(hi / 1000)}千/月",
        f"{lo}-{hi}元/月",
        f"{lo}-{hi}元",
        f"{_num(lo / 1000)}K-{_num(hi / 1000)}K",
        f"{_num(lo / 1000)}-{_num(hi / 1000)}K",
    ]
    text = rng.choice(forms)
    if pay.months13:
        text += "·13薪" if "K" in text else "，13薪"
    return text


EMP_TEXT = {
    "jsonld_board": {
        "full": ("FULL_TIME",),
        "part": ("PART_TIME",),
        "temp": ("TEMPORARY", "CONTRACTOR"),
        "daily": ("PER_DIEM", "TEMPORARY"),
    },
    "plain_board": {
        "full": ("全职",),
        "part": ("兼职", "小时工"),
        "temp": ("临时工", "临时"),
        "daily": ("日结", "临时工"),
    },
    "gig_station": {
        "full": ("全职", "长期工"),
        "part": ("兼职", "零工"),
        "temp": ("临时用工", "短期工", "零工"),
        "daily": ("日结零工", "日结"),
    },
    "hr_system": {
        "full": ("fulltime", "全职"),
        "part": ("parttime", "兼职"),
        "temp": ("temporary", "contract"),
        "daily": ("temporary",),
    },
}


def _employment_text(rng: random.Random, vac: Vacancy, source: str) -> str:
    text = rng.choice(EMP_TEXT[source][vac.emp])
    if source == "jsonld_board" and vac.emp == "part" and "弹性岗" in vac.flex and rng.random() < 0.5:
        text += ",TEMPORARY"
    return text


def _title(rng: random.Random, vac: Vacancy, source: str, repost: bool) -> str:
    titles = OCCUPATIONS[vac.occ].titles
    title = vac.title if rng.random() < 0.75 else rng.choice(titles)
    if vac.shift and rng.random() < 0.5:
        title += f"（{vac.shift}）"
    p = {"jsonld_board": 0.1, "plain_board": 0.25, "gig_station": 0.45, "hr_system": 0.0}[source]
    if rng.random() < p:
        options = ["【急招】{}", "{}【急聘】"]
        if "日结" in vac.flex:
            options += ["{}（日结）", "【日结】{}"]
        if "妈妈岗" in vac.flex:
            options += ["妈妈岗-{}", "妈妈岗-{}"]
        if "银龄岗" in vac.flex:
            options += ["银龄岗｜{}"]
        title = rng.choice(options).format(title)
    if repost and rng.random() < 0.4:
        title = rng.choice(("【急招】", "")) + title + rng.choice(("", "（长期招聘）"))
    return title


def _location(rng: random.Random, vac: Vacancy, source: str) -> str:
    b, dname = vac.branch, DISTRICTS[vac.branch.district][0]
    weights = {
        "jsonld_board": (2, 3, 6),
        "plain_board": (3, 4, 4),
        "gig_station": (2, 6, 3),
        "hr_system": (0.5, 2, 8),
    }[source]
    level = rng.choices(("district", "town", "full"), weights=weights)[0]
    if level == "district":
        return rng.choice((f"济宁市{dname}", dname, f"济宁-{dname}"))
    if level == "town":
        return rng.choice((f"{dname}{b.town}", f"济宁市{dname}{b.town}", f"{dname}·{b.town}"))
    full = rng.choice(
        (f"山东省济宁市{dname}{b.town}{b.street}", f"济宁市{dname}{b.street}", f"{dname}{b.town}{b.street}")
    )
    return full + (f"（{b.brand}）" if rng.random() < 0.2 and vac.employer.kind != "community" else "")


def _organisation(rng: random.Random, vac: Vacancy, source: str) -> str:
    p_legal = {"jsonld_board": 0.7, "plain_board": 0.4, "gig_station": 0.3, "hr_system": 1.0}[source]
    return vac.employer.legal if rng.random() < p_legal else vac.branch.brand


def _description(
    rng: random.Random, vac: Vacancy, source: str, salary: str, location: str, phone: str, tags_shown: bool
) -> str:
    """Template description, re-ordered / trimmed / re-punctuated / wrapped per copy."""
    occ = OCCUPATIONS[vac.occ]
    style = rng.choice(("1、", "1.", "①", "（1）", "-", ""))
    head = rng.choice(
        (
            ("岗位职责：", "任职要求："),
            ("【岗位职责】", "【任职要求】"),
            ("工作内容：", "要求："),
            ("职责:", "要求:"),
        )
    )

    def items(lines: Sequence[str]) -> str:
        if style == "":
            return "；".join(lines) + "。"
        marks = {"1、": "{}、", "1.": "{}.", "①": "①②③④⑤", "（1）": "（{}）", "-": "- "}
        out = []
        for i, line in enumerate(lines, 1):
            mark = marks[style]
            prefix = mark[i - 1] if style == "①" else mark.format(i) if "{}" in mark else mark
            out.append(f"{prefix}{line}；" if rng.random() < 0.5 else f"{prefix}{line}")
        return "\n".join(out)

    duties = list(occ.duties)
    if rng.random() < 0.3:
        duties = duties[:-1] if rng.random() < 0.5 else [duties[1], duties[0], *duties[2:]]
    hours = f"工作时间：{vac.hours}" + (f"（{vac.shift}）" if vac.shift else "")
    flex_lines = [
        FLEX_LINES[t].format(h=vac.hours, d=vac.temp_days)
        for t in vac.flex
        if not tags_shown or rng.random() < 0.5
    ]
    sections = {
        "intro": f"{vac.branch.brand if rng.random() < 0.5 else vac.employer.legal}因业务发展需要，现招聘"
        f"{vac.title}{vac.headcount}名。",
        "duties": f"{head[0]}\n{items(duties)}",
        "reqs": f"{head[1]}\n{items(list(occ.reqs))}",
        "hours": hours + ("\n" + "\n".join(flex_lines) if flex_lines else ""),
        "pay": f"薪资待遇：{salary}" + (f"，{'、'.join(vac.welfare)}" if vac.welfare else ""),
        "address": f"工作地点：{location}",
        "contact": f"联系电话：{phone}（{vac.contact}）"
        + (f"\n负责人身份证号：{vac.idcard}" if vac.idcard else ""),
    }
    order = ["intro", "duties", "reqs", "hours", "pay", "address", "contact"]
    if rng.random() < 0.3:
        order[1], order[2] = order[2], order[1]
    if rng.random() < 0.3:
        order.remove("hours")
        order.insert(1, "hours")
    for optional in ("intro", "address", "pay"):
        if rng.random() < 0.25:
            order.remove(optional)
    if rng.random() < 0.15 and not vac.idcard:
        order.remove("contact")
    text = "\n\n".join(sections[k] for k in order)
    if rng.random() < 0.3:
        text = (
            text.replace("，", ",").replace("：", ":")
            if source != "gig_station"
            else text.replace("；", "。")
        )
    top, bottom = BOILERPLATE[source]
    if top and rng.random() < 0.6:
        text = f"{top}{text}"
    if bottom and rng.random() < 0.6:
        text = f"{text}\n\n{bottom}"
    return text


def _date_text(rng: random.Random, day: date, source: str, base_date: date) -> str:
    if source == "jsonld_board":
        if rng.random() < 0.5:
            return day.isoformat()
        return datetime(
            day.year, day.month, day.day, rng.randint(8, 18), rng.randrange(60), tzinfo=CST
        ).isoformat()
    if source == "plain_board":
        ago = (base_date - day).days
        forms = [day.isoformat(), f"{day:%m-%d}发布"]
        if ago == 0:
            forms.append("今天")
        elif ago == 1:
            forms.append("昨天")
        elif ago <= 7:
            forms.append(f"{ago}天前")
        return rng.choice(forms)
    if source == "gig_station":
        return rng.choice((day.isoformat(), f"{day:%Y/%m/%d}", f"{day.year}/{day.month}/{day.day}"))
    if rng.random() < 0.7:
        return format_datetime(
            datetime(day.year, day.month, day.day, rng.randint(8, 18), rng.randrange(60), tzinfo=CST)
        )
    return f"{day.isoformat()} {rng.randint(8, 18):02d}:{rng.randrange(60):02d}:00"


def _valid_text(day: date, source: str) -> str:
    if source == "hr_system":
        return format_datetime(datetime(day.year, day.month, day.day, tzinfo=CST))[:16]
    if source == "gig_station":
        return f"{day:%Y/%m/%d}"
    return day.isoformat()


def _posting(
    rng: random.Random, vac: Vacancy, source: str, posted: date, base_date: date, repost: bool
) -> Posting:
    tags_shown = source in ("plain_board", "gig_station", "jsonld_board") and rng.random() < 0.85
    tags = [*vac.flex, *vac.welfare] if tags_shown else []
    if source == "hr_system":
        tags = []
    salary = _salary_text(rng, vac.pay, source, first=source == "jsonld_board" or rng.random() < 0.5)
    location = _location(rng, vac, source)
    phone = _fmt_phone(rng, vac.phone)
    struct = None
    if source == "jsonld_board" and vac.pay.kind in ("range", "single", "above") and rng.random() < 0.6:
        unit = {"M": "MONTH", "D": "DAY", "H": "HOUR", "Y": "YEAR"}[vac.pay.unit]
        struct = (vac.pay.lo, None if vac.pay.kind == "above" else vac.pay.hi, unit)
    geo = source == "jsonld_board" and rng.random() < 0.85
    return Posting(
        vacancy_id=vac.vacancy_id,
        employer_id=vac.employer.employer_id,
        source=source,
        source_record_id="",
        title=_title(rng, vac, source, repost),
        description=_description(rng, vac, source, salary, location, phone, bool(tags)),
        hiring_organization=_organisation(rng, vac, source),
        job_location=location,
        district_adcode=vac.branch.district,
        town=vac.branch.town,
        latitude=round(vac.branch.lat + rng.uniform(-3e-4, 3e-4), 6) if geo else None,
        longitude=round(vac.branch.lon + rng.uniform(-3e-4, 3e-4), 6) if geo else None,
        base_salary=salary,
        employment_type=_employment_text(rng, vac, source),
        date_posted=_date_text(rng, posted, source, base_date),
        valid_through=_valid_text(posted + timedelta(days=vac.valid_days), source),
        tags=tags,
        contact_phone=phone,
        salary_struct=struct,
        work_hours=vac.hours + (f"（{vac.shift}）" if vac.shift else ""),
        category=CATEGORY[vac.employer.kind],
        shape=rng.choices(("object", "graph", "array"), weights=(7, 1.5, 1.5))[0],
        unclosed_html=source == "plain_board" and rng.random() < 0.05,
    )


def _break(rng: random.Random, p: Posting, defect: str, base_date: date) -> None:
    p.malformed = defect
    if defect in ("missing_title", "missing_element"):
        p.title = None
    elif defect == "empty_description":
        p.description = ""
    elif defect == "bad_salary":
        p.base_salary = rng.choice(BAD_SALARY)
        p.salary_struct = None
    elif defect == "future_date":
        p.date_posted = (base_date + timedelta(days=rng.randint(90, 400))).isoformat()
    elif defect == "garbage_date":
        p.date_posted = rng.choice(GARBAGE_DATES)


SOURCE_WEIGHTS = {"jsonld_board": 1.0, "plain_board": 1.0, "gig_station": 0.6, "hr_system": 0.6}
RECORD_ID = {
    "jsonld_board": "jp-{:06d}",
    "plain_board": "{:d}",
    "gig_station": "LG{:08d}",
    "hr_system": "HR-JN-{:06d}",
}
RECORD_ID_START = {"jsonld_board": 100001, "plain_board": 58001, "gig_station": 20261001, "hr_system": 1}


def _job_key(vac: Vacancy) -> tuple[Any, ...]:
    """What makes a vacancy another job in the issue's terms: employer, store, occupation, pay, shift."""
    b = vac.branch
    return (vac.employer.employer_id, b.brand, b.street, vac.occ, vac.pay, vac.shift, vac.hours)


def generate_vacancies(rng: random.Random, seed: int, n_vacancies: int, base_date: date) -> list[Vacancy]:
    """The vacancies behind the postings: about 15 % are hard negatives of an earlier one, and no two
    are one job (see ``_job_key``)."""
    world = _World(rng)
    vacancies: list[Vacancy] = []
    seen: set[tuple[Any, ...]] = set()
    for i in range(n_vacancies):
        vid = f"V{seed:03d}-{i + 1:06d}"
        if vacancies and rng.random() < 0.15:
            vac = _hard_negative(rng, world, rng.choice(vacancies), vid)
        else:
            vac = _vacancy(rng, world, vid, base_date)
        if _job_key(vac) in seen:
            # two hard negatives of one base made the same way (the same other store, the flipped
            # shift, the raised pay) or a chance repeat would be one job under two vacancy ids: no
            # field tells them apart, so the truth would count a correct merge as a false one
            vac.branch = world.new_branch(vac.employer, vac.branch.district)
        seen.add(_job_key(vac))
        vacancies.append(vac)
    return vacancies


def generate_postings(seed: int, n_vacancies: int, base_date: date = BASE_DATE) -> list[Posting]:
    """All postings of ``n_vacancies`` vacancies, ids assigned, defects applied; deterministic in seed."""
    rng = random.Random(seed)
    vacancies = generate_vacancies(rng, seed, n_vacancies, base_date)
    postings: list[Posting] = []
    for vac in vacancies:
        weights = dict(SOURCE_WEIGHTS)
        if vac.emp in ("temp", "daily") or "日结" in vac.flex:
            weights["gig_station"] = 2.5
        if vac.emp == "full" and vac.employer.kind in ("manufacturing", "logistics", "retail", "finance"):
            weights["hr_system"] = 1.8
        k = rng.choices((1, 2, 3), weights=(45, 35, 20))[0]
        for source in _weighted_sample(rng, weights, k):
            posted = min(base_date, vac.posted + timedelta(days=rng.randint(0, 4)))
            postings.append(_posting(rng, vac, source, posted, base_date, repost=False))
            if rng.random() < 0.13:  # the employer re-posts the same job a few days later
                again = min(base_date, posted + timedelta(days=rng.randint(3, 10)))
                postings.append(_posting(rng, vac, source, again, base_date, repost=True))
    rng.shuffle(postings)
    by_source: dict[str, list[Posting]] = {s: [] for s in SOURCES}
    for p in postings:
        by_source[p.source].append(p)
    for source, items in by_source.items():
        start = RECORD_ID_START[source]
        for i, p in enumerate(items):
            p.source_record_id = RECORD_ID[source].format(start + i * (3 if source == "plain_board" else 1))
        # the source-specific defect comes first and again fourth: at least one, usually two per source
        own, *common = DEFECTS[source]
        cycle = [own, *common[:2], own, *common[2:]]
        n_bad = max(2, round(MALFORMED_SHARE * len(items))) if items else 0
        for j, p in enumerate(rng.sample(items, min(n_bad, len(items)))):
            _break(rng, p, cycle[j % len(cycle)], base_date)
    return [p for s in SOURCES for p in by_source[s]]


# --------------------------------------------------------------------------------------------- rendering


def _page(title: str, body: str, head: str = "") -> str:
    return (
        '<!DOCTYPE html>\n<html lang="zh-CN">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{escape(title)}</title>\n"
        f"{head}</head>\n<body>\n{body}\n</body>\n</html>\n"
    )


def _jsonld(p: Posting) -> dict[str, Any]:
    obj: dict[str, Any] = {"@context": "https://schema.org", "@type": "JobPosting"}
    if p.title is not None:
        obj["title"] = p.title
    obj.update(description=p.description, datePosted=p.date_posted, validThrough=p.valid_through)
    kinds = p.employment_type.split(",")
    obj["employmentType"] = kinds if len(kinds) > 1 else kinds[0]
    obj["hiringOrganization"] = {"@type": "Organization", "name": p.hiring_organization}
    place: dict[str, Any] = {
        "@type": "Place",
        "address": {
            "@type": "PostalAddress",
            "streetAddress": p.job_location,
            "addressLocality": "济宁市",
            "addressRegion": "山东省",
            "addressCountry": "CN",
        },
    }
    if p.latitude is not None:
        place["geo"] = {"@type": "GeoCoordinates", "latitude": p.latitude, "longitude": p.longitude}
    obj["jobLocation"] = place
    if p.salary_struct:
        lo, hi, unit = p.salary_struct
        value: dict[str, Any] = {"@type": "QuantitativeValue", "minValue": lo, "unitText": unit}
        if hi is not None:
            value["maxValue"] = hi
        obj["baseSalary"] = {"@type": "MonetaryAmount", "currency": "CNY", "value": value}
    else:
        obj["baseSalary"] = p.base_salary
    if p.tags:
        obj["jobBenefits"] = "、".join(p.tags)
    if p.work_hours:
        obj["workHours"] = p.work_hours
    obj["identifier"] = {"@type": "PropertyValue", "value": p.source_record_id}
    return obj


def _render_jsonld_page(rng: random.Random, p: Posting) -> str:
    obj = _jsonld(p)
    crumbs = {
        "@type": "BreadcrumbList",
        "itemListElement": [
            {"@type": "ListItem", "position": 1, "name": "首页", "item": "{BASE}/"},
            {
                "@type": "ListItem",
                "position": 2,
                "name": p.title or "职位",
                "item": f"{{BASE}}/jobs/{p.source_record_id}.html",
            },
        ],
    }
    if p.shape == "graph":
        data: Any = {
            "@context": "https://schema.org",
            "@graph": [
                {"@type": "WebPage", "@id": f"{{BASE}}/jobs/{p.source_record_id}.html"},
                crumbs,
                {k: v for k, v in obj.items() if k != "@context"},
            ],
        }
    elif p.shape == "array":
        data = [{"@context": "https://schema.org", **crumbs}, obj]
    else:
        data = obj
    # "<" as \u003c: text in a posting cannot close the script element (JSON still reads the same)
    block = json.dumps(data, ensure_ascii=False, indent=rng.choice((None, 2))).replace("<", "\\u003c")
    scripts = [f'<script type="application/ld+json">\n{block}\n</script>\n']
    if p.malformed == "broken_jsonld":
        broken = rng.choice(
            (
                json.dumps(obj, ensure_ascii=False)[: rng.randint(60, 160)],
                json.dumps(crumbs, ensure_ascii=False).replace('"', "'"),
                json.dumps(crumbs, ensure_ascii=False)[:-1] + ",}",
            )
        )
        scripts.insert(rng.randint(0, 1), f'<script type="application/ld+json">\n{broken}\n</script>\n')
    title = p.title or "职位详情"
    article = "".join(f"<p>{escape(line)}</p>" for line in p.description.split("\n") if line)
    body = (
        f'<header><a href="/">济宁人才网</a> &gt; <a href="/index.html">全部职位</a></header>\n<main>\n'
        f'<h1>{escape(title)}</h1>\n<p class="meta">{escape(p.hiring_organization)} | '
        f"{escape(p.job_location)} | {escape(p.base_salary)}</p>\n"
        f"<article>{article}</article>\n</main>\n<footer>© 济宁人才网 演示站点</footer>"
    )
    return _page(f"{title} - 济宁人才网", body, head="".join(scripts))


def _render_plain_page(p: Posting) -> str:
    paras = ["<br>".join(escape(line) for line in para.split("\n")) for para in p.description.split("\n\n")]
    desc = "".join(f"<p>{para}</p>" for para in paras if para)
    # a few pages leave tags unclosed, as hand-written CMS templates do; HTML parsers still recover
    close = "" if p.unclosed_html else "</li>"
    tags = "".join(f"<li>{escape(t)}{close}" for t in p.tags)
    end_desc = "" if p.unclosed_html else "</div>"
    body = (
        '<div class="nav"><a href="/list/1.html">职位列表</a></div>\n<div class="job-detail">\n'
        f'<h1 class="job-title">{escape(p.title or "")}</h1>\n'
        f'<div class="company">{escape(p.hiring_organization)}</div>\n'
        f'<div class="info"><span class="salary">{escape(p.base_salary)}</span>\n'
        f'<span class="location">{escape(p.job_location)}</span>\n'
        f'<span class="job-type">{escape(p.employment_type)}</span>\n'
        f'<span class="posted">{escape(p.date_posted)}</span></div>\n'
        f'<ul class="tags">{tags}</ul>\n'
        f'<div class="description">{desc}{end_desc}\n'
        f'<div class="footer-info">职位编号：<span class="job-id">{escape(p.source_record_id)}</span></div>\n'
        "</div>"
    )
    return _page(f"{p.title or '职位'} | 济宁便民招聘", body)


def _render_csv(rng: random.Random, postings: Sequence[Posting]) -> bytes:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(CSV_HEADER)
    for p in postings:
        row = [
            p.source_record_id,
            p.title or "",
            p.hiring_organization,
            p.job_location,
            p.base_salary,
            p.employment_type,
            "|".join(p.tags),
            p.description,
            p.contact_phone,
            p.date_posted,
            p.valid_through,
        ]
        if p.malformed == "bad_columns":
            flat = [c.replace("\n", " ").replace('"', "") for c in row]
            if rng.random() < 0.5:  # tags joined with ',' and no quoting → too many columns
                flat[6] = ",".join(p.tags) or "日结,包午餐"
                flat[7] = flat[7].replace("，", ",")
            else:  # the last two columns lost → too few
                flat = flat[:9]
            buf.write(",".join(flat) + "\r\n")
        else:
            writer.writerow(row)
    return buf.getvalue().encode("gbk")


def _cdata(text: str) -> str:
    return "<![CDATA[" + text.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def _render_xml(postings: Sequence[Posting], base_date: date) -> bytes:
    built = format_datetime(datetime(base_date.year, base_date.month, base_date.day, 6, 0, tzinfo=CST))
    out = [
        '<?xml version="1.0" encoding="utf-8"?>\n<source>\n'
        "<publisher>济宁企业人力资源系统（演示）</publisher>\n"
        f"<publisherurl>http://hr.example.cn</publisherurl>\n<lastBuildDate>{built}</lastBuildDate>\n"
    ]
    for p in postings:
        fields = [
            ("title", p.title),
            ("date", p.date_posted),
            ("referencenumber", p.source_record_id),
            ("url", f"http://hr.example.cn/job?id={p.source_record_id}&source=jobpool"),
            ("company", p.hiring_organization),
            ("city", "济宁市"),
            ("state", "山东省"),
            ("country", "CN"),
            ("streetaddress", p.job_location),
            ("description", p.description),
            ("salary", p.base_salary),
            ("jobtype", p.employment_type),
            ("category", p.category),
            ("expirationdate", p.valid_through),
        ]
        lines = "".join(f"  <{tag}>{_cdata(value)}</{tag}>\n" for tag, value in fields if value is not None)
        out.append(f"<job>\n{lines}</job>\n")
    out.append("</source>\n")
    return "".join(out).encode("utf-8")


def generate_site(
    out_dir: Path, seed: int = 7, scale: float = 1.0, base_date: date = BASE_DATE
) -> dict[str, Any]:
    """Render boards, feeds and ``truth.parquet`` under ``out_dir``; return a summary of what was written."""
    out_dir = Path(out_dir)
    n_vac = max(12, round(VACANCIES_PER_SCALE * scale))
    postings = generate_postings(seed, n_vac, base_date)
    rng = random.Random(seed * 7919 + 1)
    by_source = {s: [p for p in postings if p.source == s] for s in SOURCES}

    jl = out_dir / "boards" / "jsonld_board"
    (jl / "jobs").mkdir(parents=True, exist_ok=True)
    (jl / "robots.txt").write_text(
        "User-agent: *\nAllow: /\nDisallow: /admin/\n\nSitemap: {BASE}/sitemap.xml\n", encoding="utf-8"
    )
    urls = "".join(
        f"  <url><loc>{{BASE}}/jobs/{p.source_record_id}.html</loc>"
        f"<lastmod>{base_date.isoformat()}</lastmod></url>\n"
        for p in by_source["jsonld_board"]
    )
    (jl / "sitemap.xml").write_text(
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
        f"{urls}</urlset>\n",
        encoding="utf-8",
    )
    links = "".join(
        f'<li><a href="/jobs/{p.source_record_id}.html">{escape(p.title or "职位")}</a></li>\n'
        for p in by_source["jsonld_board"]
    )
    (jl / "index.html").write_text(
        _page("济宁人才网 - 全部职位", f"<h1>全部职位</h1>\n<ul>\n{links}</ul>"), encoding="utf-8"
    )
    for p in by_source["jsonld_board"]:
        (jl / "jobs" / f"{p.source_record_id}.html").write_text(_render_jsonld_page(rng, p), encoding="utf-8")

    pb = out_dir / "boards" / "plain_board"
    (pb / "list").mkdir(parents=True, exist_ok=True)
    (pb / "job").mkdir(parents=True, exist_ok=True)
    (pb / "robots.txt").write_text("User-agent: *\nDisallow: /admin/\n", encoding="utf-8")
    items = by_source["plain_board"]
    pages = max(1, -(-len(items) // LIST_PAGE_SIZE))
    (pb / "index.html").write_text(
        _page("济宁便民招聘", '<a href="/list/1.html">全部职位</a>'), encoding="utf-8"
    )
    for n in range(1, pages + 1):
        chunk = items[(n - 1) * LIST_PAGE_SIZE : n * LIST_PAGE_SIZE]
        lis = "".join(
            f'<li class="job-item"><a class="job-link" href="/job/{p.source_record_id}.html">'
            f"{escape(p.title or '（无标题）')}</a></li>\n"
            for p in chunk
        )
        nxt = f'<a class="next" rel="next" href="/list/{n + 1}.html">下一页</a>' if n < pages else ""
        (pb / "list" / f"{n}.html").write_text(
            _page(f"职位列表 第{n}页", f'<ul class="job-list">\n{lis}</ul>\n<div class="pager">{nxt}</div>'),
            encoding="utf-8",
        )
    for p in items:
        (pb / "job" / f"{p.source_record_id}.html").write_text(_render_plain_page(p), encoding="utf-8")

    feeds = out_dir / "feeds"
    feeds.mkdir(parents=True, exist_ok=True)
    (feeds / "gig_station.csv").write_bytes(_render_csv(rng, by_source["gig_station"]))
    (feeds / "hr_system.xml").write_bytes(_render_xml(by_source["hr_system"], base_date))

    truth = pa.table(
        {
            "source": [p.source for p in postings],
            "source_record_id": [p.source_record_id for p in postings],
            "vacancy_id": [p.vacancy_id for p in postings],
            "malformed": pa.array([p.malformed for p in postings], pa.string()),
        }
    )
    pq.write_table(truth, out_dir / "truth.parquet")
    malformed = {
        s: dict(sorted(Counter(p.malformed for p in ps if p.malformed).items()))
        for s, ps in by_source.items()
    }
    return {
        "seed": seed,
        "scale": scale,
        "base_date": base_date.isoformat(),
        "vacancies": n_vac,
        "postings": len(postings),
        "per_source": {s: len(ps) for s, ps in by_source.items()},
        "malformed": malformed,
        "list_pages": pages,
        "out_dir": str(out_dir),
    }


# --------------------------------------------------------------------------------------------- fast path

RECORD_SCHEMA = pa.schema(
    [
        ("source", pa.string()),
        ("source_record_id", pa.string()),
        ("vacancy_id", pa.string()),
        ("employer_id", pa.string()),
        ("title", pa.string()),
        ("description", pa.string()),
        ("hiring_organization", pa.string()),
        ("job_location", pa.string()),
        ("district_adcode", pa.string()),
        ("town", pa.string()),
        ("latitude", pa.float64()),
        ("longitude", pa.float64()),
        ("base_salary", pa.string()),
        ("employment_type", pa.string()),
        ("date_posted", pa.string()),
        ("valid_through", pa.string()),
        ("tags", pa.list_(pa.string())),
        ("contact_phone", pa.string()),
        ("malformed", pa.string()),
    ]
)


def _strs(values: Sequence[str]) -> pa.Array:
    return pa.array(list(values), pa.string())


def _cat(*parts: pa.Array | str) -> pa.Array:
    return pc.binary_join_element_wise(*parts, "")


def generate_records(
    seed: int, n_postings: int, chunk_size: int = 250_000, base_date: date = BASE_DATE
) -> Iterator[pa.RecordBatch]:
    """Postings as Arrow batches for benchmarks: same logical fields + truth, no HTML, vectorised.

    Vacancies never straddle chunks; employers and towns do, so hard negatives (same employer + title,
    other vacancy) occur naturally. Measured on the 2-core dev box: 1,000,000 postings in ~5 s.
    """
    occs = list(OCCUPATIONS.values())
    occ_titles = [o.titles[0] for o in occs]
    occ_alt = [o.titles[-1] for o in occs]
    occ_kind = [o.kinds[0] for o in occs]
    occ_pay = [o.pays[0] for o in occs]
    templates = _strs(
        ["岗位职责：" + "；".join(o.duties) + "。\n任职要求：" + "；".join(o.reqs) + "。" for o in occs]
    )
    templates_b = _strs(
        ["【任职要求】" + "；".join(o.reqs) + "\n【岗位职责】" + "；".join(o.duties) for o in occs]
    )
    towns = TOWNS
    town_names = _strs([t[0] for t in towns])
    town_district = _strs([t[2] for t in towns])
    town_dname = _strs([DISTRICTS[t[2]][0] for t in towns])
    town_lon = np.array([t[3] for t in towns])
    town_lat = np.array([t[4] for t in towns])
    stems = _strs(STEMS)
    chars = sorted(set("".join(STEMS)))
    places = {n[:2] for d in DISTRICTS.values() for n in (d[0],)} | {"山东", "济宁"}
    pairs = _strs([x + y for x in chars for y in chars if x + y not in places])
    kinds = list(KINDS)
    legal_suffix = _strs([KINDS[k][0].format(f="食品") or "社区服务中心" for k in kinds])
    brand_suffix = _strs(
        [KINDS[k][1].split("}")[-1].split("（")[0].replace("{f}", "食品") or "社区" for k in kinds]
    )
    kind_idx = np.array([kinds.index(k) for k in occ_kind])
    sources = np.array(SOURCES)
    src_strs = _strs(SOURCES)
    prefixes = _strs(["【急招】", "", "", "", "妈妈岗-", ""])
    # decoration only; a shift is a property of the vacancy (its tags), so no （夜班） here
    suffixes = _strs(["", "（日结）", "", "（急聘）", "", ""])
    emp_text = _strs(["全职", "兼职", "FULL_TIME", "PART_TIME", "临时用工", "fulltime"])
    tag_sets = pa.array(
        [
            [],
            ["日结"],
            ["妈妈岗", "五险一金"],
            ["银龄岗"],
            ["助残岗", "包午餐"],
            ["夜班"],
            ["短时岗", "弹性岗"],
            [],
        ],
        pa.list_(pa.string()),
    )
    defects = _strs(["missing_title", "empty_description", "bad_salary", "garbage_date"])
    n_emp_global = max(1, n_postings // 6)
    done = chunk = 0
    while done < n_postings:
        m = min(chunk_size, n_postings - done)
        rng = np.random.default_rng([seed, chunk])
        n_vac = int(m / 1.7) + 10
        copies = rng.choice([1, 2, 3], size=n_vac, p=[0.45, 0.35, 0.20]) + (rng.random(n_vac) < 0.13)
        vac = np.repeat(np.arange(n_vac), copies)[:m]
        m = len(vac)
        occ = rng.integers(0, len(occs), n_vac)
        emp = rng.integers(0, n_emp_global, n_vac)
        town = rng.integers(0, len(towns), n_vac)
        lo_min = np.array([p[1] for p in occ_pay])
        lo_max = np.array([p[2] for p in occ_pay])
        width = np.array([p[3] for p in occ_pay])
        step = np.array([{"M": 100, "Y": 10000, "D": 10, "H": 1}[p[0]] for p in occ_pay])[occ]
        lo = (lo_min[occ] + rng.random(n_vac) * (lo_max[occ] - lo_min[occ] + 1)).astype(np.int64)
        lo = lo // step * step
        hi = lo + width[occ]
        phone = 13_000_000_000 + rng.integers(0, 7_000_000_000, n_vac)
        posted = np.datetime64(base_date) - rng.integers(0, 45, n_vac).astype("timedelta64[D]")
        vid = _cat(f"V{seed:03d}-{chunk:04d}-", pc.cast(pa.array(np.arange(n_vac)), pa.string())).take(vac)
        # per posting
        o, e, t = occ[vac], emp[vac], town[vac]
        # copies of one vacancy go to distinct sources
        first = np.concatenate(([0], np.cumsum(copies)[:-1]))
        src = (rng.choice(4, size=n_vac, p=[0.32, 0.32, 0.2, 0.16])[vac] + np.arange(m) - first[vac]) % 4
        pick = rng.random(m)
        title = pc.if_else(pa.array(pick < 0.8), _strs(occ_titles).take(o), _strs(occ_alt).take(o))
        deco = rng.integers(0, 6, m)
        title = _cat(prefixes.take(deco), title, suffixes.take(deco))
        e_str = pc.cast(pa.array(e), pa.string())
        # trade name (字号): a leading pair of characters from ~4,700 (as varied as a city's firms: a
        # few share one), then the rest of the employer number as stems, so every employer has its own
        # name (鸿金孔乡, 远泰鲁源汇通 …); 2,500 names shared by all employers made blocks unrealistic
        lead = pairs.take(e % len(pairs))
        rest = e // len(pairs)
        stem = _cat(lead, stems.take(rest % len(STEMS)))
        place = len(STEMS)
        while (rest >= place).any():
            stem = _cat(stem, pc.if_else(pa.array(rest >= place), stems.take((rest // place) % len(STEMS)), ""))
            place *= len(STEMS)
        k = kind_idx[o]
        legal = _cat(_strs(["济宁", "山东", "济宁市"]).take(e % 3), stem, legal_suffix.take(k))
        brand = _cat(stem, brand_suffix.take(k), "（", town_names.take(t), "店）")
        org = pc.if_else(pa.array(rng.random(m) < 0.5), legal, brand)
        street = _cat(
            town_names.take(t),
            # one street address per vacancy: every copy shows the same one (draws kept per posting)
            _strs(VILLAGE_STREETS).take(rng.integers(0, 6, m)[first[vac]]),
            pc.cast(pa.array(rng.integers(1, 400, m)[first[vac]]), pa.string()),
            "号",
        )
        gran = rng.integers(0, 3, m)
        loc = pc.if_else(
            pa.array(gran == 0),
            _cat("济宁市", town_dname.take(t)),
            pc.if_else(
                pa.array(gran == 1),
                _cat(town_dname.take(t), town_names.take(t)),
                _cat("山东省济宁市", town_dname.take(t), street),
            ),
        )
        los, his = pc.cast(pa.array(lo[vac]), pa.string()), pc.cast(pa.array(hi[vac]), pa.string())
        units = np.array([p[0] for p in occ_pay])[o]
        style = rng.integers(0, 3, m)
        k_lo = pc.cast(pa.array(lo[vac] / 1000), pa.string())
        k_hi = pc.cast(pa.array(hi[vac] / 1000), pa.string())
        monthly = pc.if_else(
            pa.array(style == 0),
            _cat(los, "-", his, "元/月"),
            pc.if_else(pa.array(style == 1), _cat(k_lo, "-", k_hi, "千/月"), _cat(k_lo, "K-", k_hi, "K")),
        )
        salary = pc.if_else(
            pa.array(units == "M"),
            monthly,
            pc.if_else(
                pa.array(units == "D"),
                _cat(los, "元/天"),
                pc.if_else(
                    pa.array(units == "H"),
                    _cat("时薪", los, "元"),
                    _cat(
                        "年薪",
                        pc.cast(pa.array(lo[vac] / 1e4), pa.string()),
                        "-",
                        pc.cast(pa.array(hi[vac] / 1e4), pa.string()),
                        "万",
                    ),
                ),
            ),
        )
        salary = pc.if_else(pa.array((units == "M") & (width[o] == 0)), _cat(los, "元以上"), salary)
        salary = pc.if_else(pa.array((units == "M") & (rng.random(m) < 0.05)), _strs(["面议"] * m), salary)
        ph = pc.cast(pa.array(phone[vac]), pa.string())
        desc = _cat(
            pc.if_else(pa.array(rng.random(m) < 0.7), templates.take(o), templates_b.take(o)),
            "\n工作地点：",
            loc,
            "\n联系电话：",
            ph,
        )
        day = posted[vac] + rng.integers(0, 4, m).astype("timedelta64[D]")
        is_jl = src == 0
        jitter = rng.uniform(-0.01, 0.01, (2, m))
        lat = np.where(is_jl, np.round(town_lat[t] + jitter[0], 6), np.nan)
        lon = np.where(is_jl, np.round(town_lon[t] + jitter[1], 6), np.nan)
        bad = rng.random(m) < MALFORMED_SHARE
        defect = pc.if_else(pa.array(bad), defects.take(rng.integers(0, 4, m)), pa.nulls(m, pa.string()))
        title = pc.if_else(
            pc.equal(pc.fill_null(defect, ""), "missing_title"), pa.nulls(m, pa.string()), title
        )
        desc = pc.if_else(pc.equal(pc.fill_null(defect, ""), "empty_description"), "", desc)
        salary = pc.if_else(pc.equal(pc.fill_null(defect, ""), "bad_salary"), BAD_SALARY[0], salary)
        dates = pc.cast(pa.array(day), pa.string())
        dates = pc.if_else(pc.equal(pc.fill_null(defect, ""), "garbage_date"), "2026-13-45", dates)
        rid = _cat(src_strs.take(src), "-", pc.cast(pa.array(np.arange(done, done + m)), pa.string()))
        yield pa.RecordBatch.from_arrays(
            [
                pa.array(sources[src]),
                rid,
                vid,
                _cat("E", e_str),
                title,
                desc,
                org,
                loc,
                town_district.take(t),
                town_names.take(t),
                pa.array(lat, from_pandas=True),
                pa.array(lon, from_pandas=True),
                salary,
                emp_text.take(rng.integers(0, 6, m)),
                dates,
                pc.cast(pa.array(day + 30), pa.string()),
                tag_sets.take(rng.integers(0, len(tag_sets), m)[first[vac]]),  # tags: per vacancy
                ph,
                defect,
            ],
            schema=RECORD_SCHEMA,
        ).take(pa.array(rng.permutation(m)))
        done += m
        chunk += 1
