# ruff: noqa: E501  (the CJK vocabulary tables below are wider than 120 columns)
"""A seeded Jining (济宁) labour market with ground truth, written as the pipeline's real inputs.

Independent of the matcher: built from the feed formats (docs/feeds.md, feeds/partners.toml,
feeds/presets) only. One world = vacancies (true jobs) → postings (what sources publish), each
posting either an original or a copy of an earlier posting of the same vacancy, labelled with its
copy class (exact, cross-source, re-post, partial). Hard negatives (chain branches, shifts, sites,
other roles/pay, re-opened vacancies) are distinct vacancies sharing employer, template and title.

Usage: python bench/dedup_world/generate.py OUT_DIR [--seed N] [--scale X] [--start YYYY-MM-DD] [--weekly]
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import random
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from pathlib import Path
from typing import Any

SPAN_DAYS = 182  # 26 weeks
REPOST_DAYS = (7, 42)  # a re-post comes 1–6 weeks after the copy it repeats
REOPEN_GAP_DAYS = 91  # a vacancy re-opened ≥ 13 weeks after its last posting is a NEW vacancy
SOURCES = ("jnrc_board", "hr_system", "gig_station")
CLASSES = ("exact", "cross-source", "re-post", "partial")
HARDNESS = {"exact": 0, "cross-source": 1, "re-post": 2, "partial": 3}

# district → (adcode, [(town, lat, lon)], roads, landmarks) — GCJ-02 town centres
DISTRICTS: dict[str, tuple[int, list[tuple[str, float, float]], list[str], list[str]]] = {
    "任城区": (370811, [("许庄街道", 35.3562, 116.5783), ("李营街道", 35.4813, 116.6148),
                        ("南张街道", 35.4606, 116.5140), ("仙营街道", 35.4205, 116.5951),
                        ("金城街道", 35.4154, 116.5733)],
               ["太白楼中路", "共青团路", "红星中路", "建设北路", "琵琶山路", "洸河路", "古槐路", "火炬路",
                "金宇路", "吴泰闸路", "荷花路", "运河路"],
               ["万达广场", "太白楼", "运河城", "贵和", "银座", "火炬路", "金宇路", "红星路", "洸河路",
                "共青团路", "琵琶山", "古槐路", "吴泰闸", "济安桥", "三里屯", "新世纪", "荷花路", "南池"]),
    "兖州区": (370812, [("鼓楼街道", 35.5594, 116.8307), ("大安镇", 35.6364, 116.8200),
                        ("新驿镇", 35.6463, 116.6838)],
               ["建设东路", "九州大道", "龙桥南路", "中御桥路", "文化路", "兴隆路"],
               ["兖州鼓楼", "九州", "龙桥", "中御桥", "兖州建设路"]),
    "曲阜市": (370881, [("鲁城街道", 35.5804, 116.9940), ("书院街道", 35.6198, 117.0037),
                        ("时庄街道", 35.5852, 116.9217), ("小雪街道", 35.5134, 116.9832)],
               ["静轩中路", "鼓楼大街", "大成路", "春秋路", "逵泉路", "杏坛路"],
               ["杏坛", "五马祠", "静轩路", "曲阜鼓楼", "书院"]),
    "邹城市": (370883, [("钢山街道", 35.4154, 116.9528), ("凫山街道", 35.4026, 116.9407),
                        ("香城镇", 35.2912, 117.1372)],
               ["太平东路", "岗山路", "唐王山路", "千泉路", "东滩路", "平阳路"],
               ["孟子湖", "千泉", "钢山", "凫山", "唐王山"]),
    "微山县": (370826, [("昭阳街道", 34.7864, 117.1290), ("韩庄镇", 34.6004, 117.3724),
                        ("欢城镇", 34.8944, 117.0830)],
               ["奎文路", "微山湖大道", "商业街", "夏阳路"], ["夏镇", "昭阳", "韩庄"]),
    "鱼台县": (370827, [("谷亭街道", 35.0082, 116.6614), ("清河镇", 35.1017, 116.4955),
                        ("王鲁镇", 35.0343, 116.5947)],
               ["谷亭路", "湖陵路", "鱼台大道", "滨湖大道"], ["谷亭", "湖陵", "鱼台滨湖"]),
    "金乡县": (370828, [("高河街道", 35.0858, 116.3829), ("鱼山街道", 35.0700, 116.2452),
                        ("王丕街道", 35.0114, 116.3125)],
               ["奎星路", "金山街", "金曹路", "中心街"], ["奎星路", "金乡鱼山", "金乡中心街"]),
    "嘉祥县": (370829, [("纸坊镇", 35.2901, 116.3174), ("疃里镇", 35.4408, 116.4015),
                        ("梁宝寺镇", 35.5824, 116.2142)],
               ["呈祥大道", "嘉宝路", "萌山路", "青山路"], ["呈祥路", "嘉祥萌山", "卧龙山"]),
    "汶上县": (370830, [("南站镇", 35.6389, 116.4994), ("南旺镇", 35.5849, 116.3673),
                        ("次丘镇", 35.6613, 116.4153)],
               ["宝相寺路", "中都大街", "圣泽大街", "政通路"], ["中都", "宝相寺", "汶上圣泽"]),
    "泗水县": (370831, [("济河街道", 35.6511, 117.2601), ("泉林镇", 35.6278, 117.5058),
                        ("星村镇", 35.6878, 117.3987)],
               ["泗河路", "圣源路", "济河路", "金光路"], ["泗河", "泗水圣源", "泉林"]),
    "梁山县": (370832, [("水泊街道", 35.7651, 116.1018), ("梁山街道", 35.7395, 116.1400),
                        ("拳铺镇", 35.7061, 116.1183)],
               ["水泊大道", "青年路", "梁山路", "杏花村路"], ["水泊", "梁山青年路", "拳铺"]),
}
DISTRICT_WEIGHTS = {"任城区": 30, "兖州区": 10, "曲阜市": 10, "邹城市": 12, "微山县": 5, "鱼台县": 5,
                    "金乡县": 7, "嘉祥县": 6, "汶上县": 5, "泗水县": 5, "梁山县": 5}

NAME_CORES = ["旺源", "福瑞", "鑫盛", "鲁味", "运河", "金泰", "宏达", "恒信", "泰和", "兴隆", "聚福", "顺和",
              "嘉禾", "瑞丰", "佳和", "永盛", "祥和", "鼎盛", "汇通", "华宇", "银河", "康泰", "安泰", "润和",
              "德源", "金鼎", "龙腾", "天成", "万和", "新华", "东升", "百川", "信达", "和顺", "丰泽", "圣源",
              "尼山", "孟府", "太白", "微湖", "荷都", "济州", "仁和", "明德", "立信", "博远", "众诚", "盛世",
              "鼎家", "惠民", "家家乐", "利群", "汇丰", "金桥", "鸿运", "盛源", "宝聚", "泉城", "华泰", "中联"]
ESTATES = ["翡翠华庭", "金色兰庭", "御景苑", "和谐家园", "阳光花园", "盛世华城", "世纪华城", "碧桂园",
           "万达华府", "龙城御苑", "东方明珠", "太白湖畔", "杏林苑", "锦绣城", "紫御府", "洸河花园",
           "运河名居", "琵琶山小区", "红星美凯龙", "湖畔观邸", "圣地花园", "金宇花园", "古槐小区", "名仕嘉园",
           "奥体中心", "市第一人民医院", "济宁学院", "高铁北站", "华润万象汇", "太白湖新区管委会"]
COMMUNITIES = ["东关", "西苑", "南池", "北湖", "幸福", "和平", "光明", "建设", "红星", "新村", "振兴", "育才", "康乐",
               "安居", "富民", "文昌", "龙泉", "荷花", "柳行", "枣园"]
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董程曹袁邓许傅沈曾彭吕苏卢蒋蔡丁魏薛叶孔孟颜"
HONORIFICS = ["经理", "女士", "先生", "主管", "店长", "师傅", "老师"]
BOILERPLATE = [
    "本信息由济宁市公共就业服务平台审核发布，求职过程中请勿缴纳任何费用，谨防上当受骗。",
    "投递简历请注明应聘岗位，我们将在3个工作日内与您联系。",
    "温馨提示：用人单位以任何名义向求职者收取费用均属违法，如遇此类情况请及时举报。",
    "更多岗位请关注“济宁就业”微信公众号，家门口就业服务站欢迎您。",
]
HEADERS = [("岗位职责：", "任职要求："), ("【岗位职责】", "【任职要求】"), ("工作内容：", "岗位要求：")]
GROUP_REQ = {"妈妈岗": "宝妈优先，工作时间可兼顾接送孩子", "银龄岗": "欢迎60岁以下退休人员报名，身体健康即可",
             "助残岗": "欢迎残疾人朋友应聘，持残疾证者优先"}
GROUP_HOURS = {"妈妈岗": "9:00-15:00，周末双休", "银龄岗": "8:30-16:30，可协商"}


@dataclass(frozen=True)
class Role:
    """A job title with its synonyms, duties, requirements and base pay (unit MONTH/DAY/HOUR)."""

    title: str
    variants: tuple[str, ...]
    duties: tuple[str, ...]
    reqs: tuple[str, ...]
    unit: str
    lo: int
    hi: int
    shiftable: bool = False
    emp: str = "FULL_TIME"


def _r(title: str, variants: str, duties: str, reqs: str, pay: str, shift: bool = False,
       emp: str = "FULL_TIME") -> Role:
    unit, lo, hi = pay.split()
    return Role(title, tuple(variants.split()), tuple(duties.split("|")), tuple(reqs.split("|")), unit,
                int(lo), int(hi), shift, emp)


ROLES: dict[str, list[Role]] = {
    "restaurant": [
        _r("炒锅厨师", "厨师 炒锅 热菜厨师", "负责热菜出品，保证菜品口味稳定|做好灶台及厨房卫生|按要求做好食材验收和保管|服从厨师长工作安排",
           "2年以上炒锅工作经验|持有健康证|年龄25-50岁，吃苦耐劳", "MONTH 5000 8000"),
        _r("帮厨", "帮厨（包吃住） 厨房帮工 切配", "负责蔬菜肉类的清洗和切配|协助厨师备料|保持后厨卫生整洁",
           "能吃苦耐劳，有无经验均可|持有健康证", "MONTH 3500 4500"),
        _r("服务员", "餐厅服务员 前厅服务员", "负责迎宾、点菜、上菜等服务工作|保持餐厅环境整洁|热情接待顾客",
           "年龄18-45岁，形象好|普通话标准，有责任心", "MONTH 3200 4200"),
        _r("传菜员", "传菜 传菜生", "负责菜品传送，保证上菜及时|协助服务员收台", "身体健康，手脚勤快", "MONTH 3000 3800"),
        _r("洗碗工", "洗碗阿姨 洗碗", "负责餐具的清洗和消毒|保持洗碗间卫生", "年龄55岁以下，身体健康", "MONTH 2800 3300"),
        _r("面点师", "面点 白案师傅", "负责各类面点的制作|控制面点出品质量", "有面点制作经验|持有健康证", "MONTH 4500 6500"),
    ],
    "supermarket": [
        _r("理货员", "理货 超市理货员", "负责商品上架、补货、陈列|做好商品保质期检查|保持货架整洁",
           "年龄18-50岁|能适应倒班", "MONTH 3300 4200", True),
        _r("收银员", "收银 超市收银员", "负责收银台结算工作|熟悉各类支付方式|保证账款准确", "有收银经验者优先|做事细心",
           "MONTH 3200 4000"),
        _r("生鲜员", "生鲜处理员 生鲜部员工", "负责生鲜商品的加工、陈列|做好生鲜区卫生", "能吃苦耐劳|有生鲜经验者优先",
           "MONTH 3800 4800"),
        _r("防损员", "防损 安保防损", "负责门店防损巡查|维护卖场秩序", "男性，年龄20-50岁|有保安证优先",
           "MONTH 3500 4200", True),
        _r("促销员", "导购员 导购", "负责商品推介和销售|维护专柜陈列", "性格开朗，善于沟通", "MONTH 3500 5000"),
    ],
    "property": [
        _r("保洁员", "保洁 保洁阿姨 保洁工", "负责小区公共区域的清洁|负责楼道、电梯、大堂的日常保洁|垃圾清运",
           "年龄60岁以下，身体健康|吃苦耐劳", "MONTH 2300 2800"),
        _r("秩序维护员", "保安 门岗保安 秩序员", "负责小区门岗值守及车辆管理|负责巡逻及访客登记", "男性，年龄55岁以下|退伍军人优先",
           "MONTH 2800 3500", True),
        _r("维修工", "水电维修工 工程维修 物业电工", "负责小区水电设施的维修保养|处理业主报修", "持电工证|有物业维修经验",
           "MONTH 4000 5500"),
        _r("客服专员", "物业客服 前台客服 管家", "负责业主接待和咨询|处理投诉及报事报修|物业费催缴", "大专及以上学历|沟通能力强",
           "MONTH 3000 3800"),
        _r("绿化工", "绿化养护工 园林工", "负责小区绿化养护、浇水、修剪", "有绿化经验者优先|吃苦耐劳", "MONTH 2500 3000"),
    ],
    "security": [
        _r("保安员", "保安 安保员 门卫", "负责项目门岗值守|来访人员登记|突发事件处置", "男性，年龄18-55岁|无违法犯罪记录",
           "MONTH 2800 3600", True),
        _r("巡逻岗", "巡逻保安 巡逻队员", "负责区域内定时巡逻|发现隐患及时上报", "身体健康，责任心强|退伍军人优先",
           "MONTH 3000 3800", True),
        _r("监控员", "监控室值班员 消控员", "负责监控室值班|消防设施巡检记录", "持消防设施操作员证优先|会使用电脑",
           "MONTH 3200 4000", True),
    ],
    "factory": [
        _r("普工", "操作工 生产普工 流水线工人", "负责生产线操作|按工艺要求完成生产任务|做好设备日常点检",
           "年龄18-48岁，身体健康|能适应两班倒", "MONTH 4500 6500", True),
        _r("质检员", "品检员 检验员", "负责产品质量检验|填写检验记录", "中专及以上学历|有质检经验优先", "MONTH 4000 5500"),
        _r("叉车司机", "叉车工", "负责原料及成品的叉车搬运", "持叉车证|有2年以上经验", "MONTH 5000 6500", True),
        _r("焊工", "电焊工 二保焊工", "负责车间焊接作业", "持焊工证|能看懂图纸", "MONTH 6000 9000"),
        _r("仓管员", "仓库管理员 库管", "负责仓库物料出入库管理|定期盘点", "会使用办公软件|做事细心", "MONTH 3800 4800"),
    ],
    "elderly": [
        _r("护理员", "养老护理员 护工", "负责老人日常生活照料|协助老人康复活动|做好护理记录", "有护理经验优先|有爱心耐心",
           "MONTH 3500 5000", True),
        _r("厨师", "食堂厨师 大锅菜厨师", "负责老人一日三餐制作|注意营养搭配", "有大锅菜经验|持健康证", "MONTH 4000 5000"),
        _r("保洁员", "保洁 保洁阿姨", "负责院区及房间的清洁|衣物清洗", "年龄60岁以下|身体健康", "MONTH 2300 2800"),
        _r("康复理疗师", "康复师 理疗师", "负责老人康复训练|制定康复计划", "康复治疗相关专业|持相关证书", "MONTH 4500 6500"),
    ],
    "hospital": [
        _r("护士", "注册护士 临床护士", "负责病区护理工作|执行医嘱|做好护理文书", "护理专业大专及以上|持护士执业证",
           "MONTH 4000 6500", True),
        _r("护工", "陪护 病房护工", "负责病人生活护理|协助护士工作", "有护工经验优先|吃苦耐劳", "MONTH 3500 5000", True),
        _r("导医", "导诊员 导医护士", "负责门诊导诊、分诊|解答患者咨询", "形象好，普通话标准|医学相关专业优先",
           "MONTH 3000 3800"),
        _r("收费员", "挂号收费员", "负责门诊挂号收费|日结对账", "会计相关专业优先|熟练使用电脑", "MONTH 3200 4000"),
    ],
    "school": [
        _r("食堂帮厨", "帮厨 食堂工作人员", "负责食堂备餐、打饭|餐具清洗", "持健康证|年龄55岁以下", "MONTH 2800 3500"),
        _r("宿舍管理员", "宿管 生活老师", "负责学生宿舍管理|查寝及安全检查", "有责任心|能值夜班", "MONTH 3000 3800", True),
        _r("代课教师", "小学数学教师 教师", "负责所任学科教学|批改作业", "本科及以上学历|持教师资格证", "MONTH 4000 6000"),
        _r("保育员", "幼儿园保育员 保育老师", "负责幼儿生活照料|班级卫生消毒", "持保育员证优先|有爱心", "MONTH 2800 3500"),
    ],
    "logistics": [
        _r("分拣员", "快递分拣员 分拣工", "负责快递包裹分拣|扫描录入", "年龄18-45岁|能适应夜班", "MONTH 4000 5500", True),
        _r("快递员", "派件员 快递派送员", "负责片区快递派送和揽收", "有电动车|熟悉本地道路", "MONTH 6000 9000"),
        _r("装卸工", "搬运工 卸车工", "负责货物装卸|车辆清点", "男性，身体健壮|能吃苦", "MONTH 5000 7000", True),
        _r("货车司机", "C1司机 配送司机", "负责市内货物配送", "持C1及以上驾照|3年以上驾龄", "MONTH 6000 8000"),
    ],
    "gig": [
        _r("搬运工", "临时搬运工 搬运", "负责家具、货物搬运|装车卸车", "男性，身体好，能吃苦", "DAY 150 200", emp="TEMPORARY"),
        _r("临时保洁", "钟点保洁 家庭保洁", "负责家庭或办公室保洁|开荒保洁", "做事认真，会基本保洁", "HOUR 25 30",
           emp="PART_TIME"),
        _r("发传单", "传单派发 地推", "在指定商圈派发宣传单页", "能按时到岗，年龄不限", "DAY 100 120", emp="TEMPORARY"),
        _r("钟点工", "家政钟点工 小时工", "负责做饭、打扫、照看老人", "有家政经验优先", "HOUR 22 28", emp="PART_TIME"),
        _r("装卸工", "临时装卸工 卸货工", "负责物流园货车装卸", "身体健壮，能吃苦", "DAY 180 220", emp="TEMPORARY"),
        _r("餐饮小时工", "后厨小时工 服务员小时工", "协助饭店高峰期服务、洗碗", "手脚勤快", "HOUR 18 22", emp="PART_TIME"),
        _r("农忙采摘工", "采摘工 大蒜分拣工", "负责农产品采摘、分拣、装箱", "年龄不限，能吃苦", "DAY 120 160",
           emp="TEMPORARY"),
        _r("布展工", "活动布展工 搭建工", "负责展会、活动现场搭建和拆除", "能登高作业", "DAY 200 260", emp="TEMPORARY"),
    ],
}
# kind → (employer weight, units (min, max), unit kind, roles per unit (min, max), source weights board/hr/gig)
KINDS: dict[str, tuple[float, tuple[int, int], str, tuple[int, int], tuple[float, float, float]]] = {
    "restaurant": (30, (1, 3), "branch", (1, 3), (0.6, 0.1, 0.3)),
    "supermarket": (2.2, (6, 16), "branch", (1, 3), (0.5, 0.35, 0.15)),
    "property": (4, (3, 9), "site", (1, 3), (0.45, 0.35, 0.2)),
    "security": (3, (4, 10), "site", (1, 2), (0.4, 0.4, 0.2)),
    "factory": (10, (1, 1), "single", (2, 4), (0.3, 0.6, 0.1)),
    "elderly": (5, (1, 2), "branch", (1, 3), (0.45, 0.35, 0.2)),
    "hospital": (3, (1, 1), "single", (2, 4), (0.3, 0.65, 0.05)),
    "school": (5, (1, 1), "single", (1, 3), (0.5, 0.45, 0.05)),
    "logistics": (4, (2, 5), "branch", (1, 3), (0.45, 0.35, 0.2)),
    "gig": (6, (1, 1), "single", (4, 8), (0.15, 0.0, 0.85)),
}
INTROS = [
    "{shop}因业务发展需要，现招聘{title}{n}名。",
    "{legal}现面向社会公开招聘{title}{n}人，欢迎有意者前来应聘。",
    "【{shop}】诚聘{title}，招{n}人，待遇从优。",
    "本单位（{shop}）现招{title}{n}名，长期稳定，欢迎咨询。",
]
GIG_BENEFITS = ["当天结算", "完工即结", "工具由雇主提供", "中午管饭", "就近安排"]
GIG_HOURS = ["每天4小时，时间可协商", "上午7:00-11:00", "下午14:00-18:00", "工作1-3天，按天结算", "周末两天，8:00-17:00"]
LEVEL_REQ = ("可接受学徒，提供带薪培训", "须3年以上相关经验，能独立上岗")
BENEFITS = ["包吃住", "缴纳五险", "节日福利", "满勤奖", "免费工作餐", "带薪年假", "提供住宿", "年终奖"]


@dataclass
class Unit:
    """A branch, site or the only workplace of an employer."""

    uid: int
    name: str  # 万达广场店 / 翡翠华庭项目 / ""
    district: str
    town: str
    road: str
    number: int
    building: str
    lat: float
    lon: float


@dataclass
class Employer:
    """An employer: legal name parts, brand, units and its description template."""

    eid: int
    kind: str
    core: str
    district: str
    brand: str
    legal: str
    units: list[Unit]
    style: int
    benefits: tuple[str, ...]
    hr_contact: tuple[str, str]


@dataclass
class Vacancy:
    """A true job: one slot (employer, unit, role, shift, pay variant) open for a while."""

    vid: int
    emp: Employer
    unit: Unit
    role: Role
    shift: str
    pv: int
    lo: int
    hi: int
    b13: bool
    headcount: int
    start: int
    group: str
    gig_tag: str
    contact: tuple[str, str]
    duties: tuple[str, ...]
    reqs: tuple[str, ...]
    hours: str
    reopen_of: int | None = None


@dataclass
class State:
    """How one posting renders its vacancy; copies start from their parent's state."""

    source: str
    title_form: int
    org_form: int
    loc: int  # 0 full, 1 road, 2 town, 3 district, 4 city
    sal_form: int
    sal_missing: bool
    desc_style: tuple[int, int, int, bool]  # header, numbering, intro, paragraph
    order: tuple[int, ...]
    boiler: int | None
    stub: bool
    headcount: int
    lo: int
    hi: int
    unit_dropped: bool
    contact: tuple[str, str]
    emp_missing: bool
    valid_missing: bool
    structured: bool
    geo: bool
    decor: str


@dataclass
class Posting:
    """One record a source publishes (ground truth attached)."""

    idx: int
    vac: Vacancy
    source: str
    rid: str
    day: int  # datePosted offset
    deliver: int  # day the source delivered it
    parent: int | None
    cls: str | None
    same_key: bool
    state: State
    fields: dict[str, Any] = field(default_factory=dict)


def _phone(rng: random.Random) -> str:
    return "1" + rng.choice("3578") + "".join(rng.choice("0123456789") for _ in range(9))


def _contact(rng: random.Random) -> tuple[str, str]:
    return rng.choice(SURNAMES) + rng.choice(HONORIFICS), _phone(rng)


def _pick_district(rng: random.Random) -> str:
    names = list(DISTRICT_WEIGHTS)
    return rng.choices(names, weights=[DISTRICT_WEIGHTS[n] for n in names])[0]


def _unit(rng: random.Random, uid: int, name: str, district: str) -> Unit:
    _, towns, roads, _ = DISTRICTS[district]
    town, lat, lon = rng.choice(towns)
    building = rng.choice(["", "", "1楼", "负一层", "东门", "商业街", "B座", "院内"])
    return Unit(uid, name, district, town, rng.choice(roads), rng.randint(1, 399), building,
                round(lat + rng.uniform(-0.012, 0.012), 6), round(lon + rng.uniform(-0.012, 0.012), 6))


class World:
    """Builds employers, vacancies and postings for one seed."""

    def __init__(self, seed: int, scale: float = 1.0) -> None:
        self.rng = random.Random(seed)
        self.target = int(round(5000 * scale / 1.05))  # re-opened vacancies add ~5 %
        self.employers: list[Employer] = []
        self.vacancies: list[Vacancy] = []
        self.postings: list[Posting] = []
        self._uid = 0
        self._ids: set[str] = set()
        self._cores: dict[str, int] = {}

    # -- employers ------------------------------------------------------------------------------
    def _core(self) -> str:
        """A trade-name core no other employer uses (names are what tell employers apart)."""
        core = self.rng.choice(NAME_CORES)
        while core in self._cores:
            core = self.rng.choice(NAME_CORES) + self.rng.choice(NAME_CORES)[-1]
            if len(self._cores) > 1500:  # a very large world: a third character keeps names unique
                core += self.rng.choice("鑫盛兴源达福佳和瑞丰")
        self._cores[core] = 1
        return core

    def _employer(self, kind: str) -> Employer:
        rng = self.rng
        _, (umin, umax), ukind, _, _ = KINDS[kind]
        d = _pick_district(rng)
        core = self._core()
        n_units = rng.randint(umin, umax)
        units: list[Unit] = []
        if ukind == "branch":
            used: set[str] = set()
            for _ in range(n_units):
                ud = d if rng.random() < 0.6 else _pick_district(rng)
                lm = rng.choice(DISTRICTS[ud][3])
                if lm in used:
                    continue
                used.add(lm)
                suffix = "网点" if kind == "logistics" else "店"
                self._uid += 1
                units.append(_unit(rng, self._uid, lm + suffix, ud))
        elif ukind == "site":
            for est in rng.sample(ESTATES, n_units):
                self._uid += 1
                units.append(_unit(rng, self._uid, est + "项目", _pick_district(rng) if rng.random() < 0.3 else d))
        else:
            self._uid += 1
            units.append(_unit(rng, self._uid, "", d))
        if kind == "restaurant":
            brand = core + rng.choice(["面馆", "羊肉汤馆", "快餐", "酒楼", "饭店", "烧烤", "小厨", "水饺馆", "火锅",
                                       "家常菜馆", "甏肉干饭"])
            legal = f"济宁市{d}{core}餐饮有限公司" if rng.random() < 0.7 else f"{d}{core}餐饮店"
        elif kind == "supermarket":
            brand = core + rng.choice(["超市", "生活超市", "购物广场"])
            legal = f"济宁{core}商贸连锁有限公司"
        elif kind == "property":
            brand = core + "物业"
            legal = f"济宁{core}物业服务有限公司"
        elif kind == "security":
            brand = core + "保安"
            legal = f"山东{core}保安服务有限公司"
        elif kind == "factory":
            ind = rng.choice(["机械", "纺织", "食品", "新材料", "汽车零部件", "化工", "包装", "电子"])
            brand = core + ind
            legal = f"济宁{core}{ind}有限公司" if rng.random() < 0.6 else f"山东{core}{ind}科技有限公司"
        elif kind == "elderly":
            brand = core + rng.choice(["颐养中心", "养老院", "康养中心"])
            legal = f"济宁市{d}{core}养老服务有限公司"
        elif kind == "hospital":
            brand = core + rng.choice(["医院", "中医医院", "康复医院"])
            legal = f"济宁{core}医院有限公司" if rng.random() < 0.5 else f"{d}{brand}"
        elif kind == "school":
            brand = core + rng.choice(["实验学校", "幼儿园", "外国语学校", "职业培训学校"])
            legal = f"济宁市{d}{brand}"
        elif kind == "logistics":
            brand = core + rng.choice(["快递", "速运", "物流"])
            legal = f"济宁{core}物流有限公司"
        else:  # gig station: one per community, named after it
            town = units[0].town
            while True:
                place = town.removesuffix("街道").removesuffix("镇") + rng.choice(COMMUNITIES) + "社区"
                if place not in self._cores:
                    self._cores[place] = 1
                    break
            brand = f"{place}零工小站"
            legal = f"{d}{town}{place.removeprefix(town.removesuffix('街道').removesuffix('镇'))}零工市场服务站"
        benefits = GIG_BENEFITS if kind == "gig" else BENEFITS
        return Employer(len(self.employers), kind, core, d, brand, legal, units, rng.randrange(len(INTROS)),
                        tuple(rng.sample(benefits, 2)), _contact(rng))

    # -- vacancies ------------------------------------------------------------------------------
    def _hours(self, shift: str, group: str, gig: bool = False) -> str:
        if gig:
            return self.rng.choice(GIG_HOURS)
        if group in GROUP_HOURS:
            return GROUP_HOURS[group]
        if shift == "白班":
            return self.rng.choice(["白班8:00-17:00，月休4天", "白班早7:30-晚17:30，做六休一"])
        if shift == "夜班":
            return self.rng.choice(["夜班20:00-次日8:00，月休4天", "夜班22:00-次日6:00，做六休一"])
        return self.rng.choice(["8:30-17:30，月休4天", "早9:00-晚18:00，做六休一", "10:00-14:00、17:00-21:00，月休4天",
                                "8:00-12:00、14:00-18:00，周末双休"])

    def _vacancy(self, emp: Employer, unit: Unit, role: Role, shift: str, pv: int, start: int,
                 pv_pair: bool = False) -> Vacancy:
        rng = self.rng
        lo, hi = role.lo, role.hi
        if pv:  # same title, clearly different pay (学徒 vs 熟练工 …)
            lo, hi = int(hi * 1.3) // 100 * 100, int(hi * 1.7) // 100 * 100
        if shift == "夜班" and rng.random() < 0.5:
            lo, hi = lo + 300, hi + 300
        if role.unit == "MONTH":
            lo = max(lo + rng.choice([-300, -200, 0, 0, 200, 300]), 2100)
            hi = max(hi + rng.choice([-500, 0, 0, 500, 1000]), lo + 300)
        group = ""
        if emp.kind != "gig" and rng.random() < 0.08:
            group = rng.choice(["妈妈岗", "银龄岗", "助残岗"])
        gig_tag = rng.choice(["短时岗", "弹性岗", "临时岗"]) if emp.kind == "gig" else ""
        # a role's duty list is fixed per employer: the template is shared by every branch / site
        trng = random.Random(f"{emp.eid}|{role.title}")
        duties = tuple(trng.sample(role.duties, k=min(len(role.duties), trng.randint(2, 4))))
        reqs = tuple(trng.sample(role.reqs, k=len(role.reqs)))
        if pv_pair:  # the two pay levels of one title say which level they hire
            reqs = (*reqs, LEVEL_REQ[pv])
        contact = emp.hr_contact if rng.random() < 0.5 else _contact(rng)
        n = rng.randint(2, 15) if emp.kind == "gig" else rng.choice([1, 1, 2, 2, 3, 3, 4, 5, 6, 8, 10])
        return Vacancy(len(self.vacancies), emp, unit, role, shift, pv, lo, hi,
                       role.unit == "MONTH" and rng.random() < 0.1, n, start, group, gig_tag, contact, duties, reqs,
                       self._hours(shift, group, emp.kind == "gig"))

    def build(self) -> None:
        """Employers and vacancies until the target count, then the postings of each vacancy."""
        rng = self.rng
        kinds = list(KINDS)
        weights = [KINDS[k][0] for k in kinds]
        while len(self.vacancies) < self.target:
            emp = self._employer(rng.choices(kinds, weights=weights)[0])
            self.employers.append(emp)
            campaign = rng.randrange(SPAN_DAYS)
            rmin, rmax = KINDS[emp.kind][3]
            roles = ROLES[emp.kind]
            for unit in emp.units:
                for role in rng.sample(roles, k=min(len(roles), rng.randint(rmin, rmax))):
                    # chain branches often hire in one campaign: hard negatives close in time
                    start = (campaign + rng.randint(-3, 3)) % SPAN_DAYS if rng.random() < 0.5 \
                        else rng.randrange(SPAN_DAYS)
                    shifts = ["白班", "夜班"] if role.shiftable and rng.random() < 0.35 else [""]
                    pvs = [0, 1] if role.unit == "MONTH" and rng.random() < 0.08 else [0]
                    for shift in shifts:
                        for pv in pvs:
                            s = min(max(start + rng.randint(-2, 2), 0), SPAN_DAYS - 1)
                            self.vacancies.append(self._vacancy(emp, unit, role, shift, pv, s, len(pvs) > 1))
        for vac in list(self.vacancies):
            self._post(vac)

    # -- postings -------------------------------------------------------------------------------
    def _rid(self, source: str) -> str:
        rng = self.rng
        while True:
            if source == "jnrc_board":
                rid = f"jn{rng.randint(10**8, 10**9 - 1)}"
            elif source == "hr_system":
                rid = f"HR-{rng.randint(100000, 999999)}"
            else:
                rid = f"LG{rng.randint(10000, 99999)}{rng.choice('ABCDEFGH')}"
            if rid not in self._ids:
                self._ids.add(rid)
                return rid

    def _source(self, vac: Vacancy, exclude: str | None = None) -> str:
        w = list(KINDS[vac.emp.kind][4])
        if vac.group:
            w[2] += 0.3
        if exclude is not None:
            w[SOURCES.index(exclude)] = 0.0
        if sum(w) == 0:
            w = [1.0 if s != exclude else 0.0 for s in SOURCES]
        return self.rng.choices(SOURCES, weights=w)[0]

    def _fresh_state(self, vac: Vacancy, source: str) -> State:
        rng = self.rng
        order = [0, 1, 2, 3, 4, 5, 6]
        if rng.random() < 0.3:
            i, j = rng.sample(range(1, 7), 2)
            order[i], order[j] = order[j], order[i]
        legal_p = {"jnrc_board": 0.45, "hr_system": 0.8, "gig_station": 0.35}[source]
        return State(
            source=source, title_form=rng.choices([0, 1, 2], weights=[70, 20, 10])[0],
            org_form=0 if rng.random() < legal_p else rng.choice([1, 2]),
            loc=rng.choices([0, 1, 2, 3, 4], weights=[50, 20, 15, 10, 5])[0],
            sal_form=rng.randrange(8), sal_missing=rng.random() < 0.04,
            desc_style=(vac.emp.style % 3 if rng.random() < 0.7 else rng.randrange(3), rng.randrange(4),
                        vac.emp.style if rng.random() < 0.8 else rng.randrange(len(INTROS)), rng.random() < 0.25),
            order=tuple(order), boiler=rng.randrange(len(BOILERPLATE)) if rng.random() < 0.3 else None,
            stub=False, headcount=vac.headcount, lo=vac.lo, hi=vac.hi, unit_dropped=False, contact=vac.contact,
            emp_missing=rng.random() < 0.1, valid_missing=rng.random() < 0.15,
            structured=source == "jnrc_board" and vac.role.unit == "MONTH" and rng.random() < 0.2,
            geo=source == "jnrc_board" and rng.random() < 0.5,
            decor=rng.choice(["【急招】{}", "诚聘{}", "{}+包吃住", "【高薪】{}", "{}（{d}）", "{}（日结）"]),
        )

    def _copy_state(self, parent: State, vac: Vacancy, cls: str, source: str) -> State:
        rng = self.rng
        st = replace(parent, source=source)
        if cls == "cross-source":
            fresh = self._fresh_state(vac, source)
            st = replace(fresh, headcount=parent.headcount, lo=parent.lo, hi=parent.hi, contact=parent.contact,
                         sal_missing=rng.random() < 0.2)
        elif cls == "re-post":
            st = replace(st, title_form=rng.choice([1, 2, 0]), desc_style=(st.desc_style[0], rng.randrange(4),
                         st.desc_style[2], False), valid_missing=False,
                         boiler=st.boiler if rng.random() < 0.7 else rng.randrange(len(BOILERPLATE)))
            if rng.random() < 0.3:
                st.headcount = max(1, st.headcount + rng.choice([-1, 1, 1, 2]))
            if rng.random() < 0.2:
                st.unit_dropped = True
            if rng.random() < 0.1 and vac.role.unit == "MONTH":
                bump = rng.choice([100, 200, 300])
                st.lo, st.hi = st.lo + bump, st.hi + bump
            if rng.random() < 0.2:
                st.contact = _contact(rng)
            if source != parent.source:
                st = replace(st, org_form=rng.randrange(3), loc=rng.randrange(5), sal_form=rng.randrange(8))
        elif cls == "partial":
            st = replace(self._fresh_state(vac, source), headcount=parent.headcount, lo=parent.lo, hi=parent.hi,
                         contact=parent.contact)
            cuts = rng.sample(["stub", "pay", "place"], k=rng.choice([1, 1, 2]))
            st.stub = "stub" in cuts
            st.sal_missing = "pay" in cuts
            if "place" in cuts:
                st.loc = 3
        return st

    def _add(self, vac: Vacancy, source: str, day: int, deliver: int, parent: Posting | None, cls: str | None,
             same_key: bool, state: State) -> Posting:
        rid = parent.rid if same_key and parent else self._rid(source)
        p = Posting(len(self.postings), vac, source, rid, day, deliver, parent.idx if parent else None, cls,
                    same_key, state)
        self.postings.append(p)
        return p

    def _post(self, vac: Vacancy) -> None:
        rng = self.rng
        src = self._source(vac)
        first = self._add(vac, src, vac.start, vac.start, None, None, False, self._fresh_state(vac, src))
        mine = [first]
        n_copies = rng.choices([0, 1, 2, 3, 4], weights=[78, 15, 5, 1.5, 0.5])[0]
        for _ in range(n_copies):
            parent = mine[0] if rng.random() < 0.6 else rng.choice(mine)
            cls = rng.choices(CLASSES, weights=[14, 40, 30, 16])[0]
            if cls == "exact":
                same_key = rng.random() < 0.35
                source = parent.source if same_key or rng.random() < 0.7 else self._source(vac, parent.source)
                deliver = parent.deliver + rng.randint(0, 3)
                if deliver >= SPAN_DAYS:
                    continue
                mine.append(self._add(vac, source, parent.day, deliver, parent, cls, same_key, replace(parent.state,
                                      source=source)))
                continue
            if cls == "re-post":
                day = parent.day + rng.randint(*REPOST_DAYS)
                source = parent.source if rng.random() < 0.65 else self._source(vac, parent.source)
            else:
                day = parent.day + rng.randint(0, 7)
                source = self._source(vac, parent.source) if cls == "cross-source" or rng.random() < 0.7 \
                    else parent.source
            if day >= SPAN_DAYS:
                continue
            mine.append(self._add(vac, source, day, day, parent, cls, False,
                                  self._copy_state(parent.state, vac, cls, source)))
        # re-opened: the same slot hired again ≥ 13 weeks after this vacancy's last posting → new vacancy
        last = max(p.day for p in mine)
        if vac.reopen_of is None and rng.random() < 0.12 and last + REOPEN_GAP_DAYS < SPAN_DAYS:
            start = rng.randint(last + REOPEN_GAP_DAYS, SPAN_DAYS - 1)
            new = replace(vac, vid=len(self.vacancies), start=start, reopen_of=vac.vid,
                          headcount=vac.headcount if rng.random() < 0.5
                          else max(1, vac.headcount + rng.choice([-1, 1])),
                          contact=vac.contact if rng.random() < 0.7 else _contact(rng))
            self.vacancies.append(new)
            self._post(new)


# -- rendering -------------------------------------------------------------------------------------
def _k(v: int) -> str:
    return f"{v / 1000:g}"


def salary_text(unit: str, lo: int, hi: int, form: int, b13: bool, dropped: bool) -> str:
    """The pay as one of the many ways sources write it."""
    if unit == "MONTH":
        if dropped:
            return f"{lo}-{hi}"
        forms = [f"{lo}-{hi}元/月", f"{lo}-{hi}", f"{_k(lo)}-{_k(hi)}千/月", f"{lo}~{hi}元", f"月薪{lo}-{hi}元",
                 f"{_k(lo)}K-{_k(hi)}K", f"{lo}元以上", f"{lo}元-{hi}元"]
        text = forms[form % len(forms)]
        if b13 and form % 2 == 0:
            text = f"{_k(lo)}-{_k(hi)}千·13薪"
        return text
    if unit == "DAY":
        forms = [f"{lo}元/天", f"{lo}-{hi}元/天", f"日结{lo}元", f"{lo}元/日", f"日薪{lo}-{hi}元"]
        return forms[form % len(forms)] if not dropped else f"{lo}-{hi}元"
    forms = [f"时薪{lo}-{hi}元", f"{lo}-{hi}元/小时", f"{lo}元/时", f"每小时{lo}元"]
    return forms[form % len(forms)]


def _title(p: Posting) -> str:
    v, st = p.vac, p.state
    role = v.role
    base = [role.title, role.variants[0] if role.variants else role.title,
            st.decor.format(role.title, d=v.unit.district)][st.title_form]
    if st.title_form == 1 and len(role.variants) > 1 and p.idx % 2:
        base = role.variants[1]
    if v.shift and (p.vac.vid + st.title_form) % 5 < 3:  # the shift is in the title in most copies
        base = f"{base}（{v.shift}）"
    if v.pv and st.title_form != 1:
        base = f"{base}（熟练工）"
    if v.group and st.title_form != 1:
        base = f"{base}（{v.group}）"
    if v.gig_tag and st.title_form == 2:
        base = f"【{v.gig_tag}】{base}"
    if v.unit.name and v.emp.kind in ("property", "security") and st.title_form == 0 and p.vac.vid % 3 == 0:
        base = f"{base}-{v.unit.name.removesuffix('项目')}"
    return base


def _org(p: Posting) -> str:
    e, u, form = p.vac.emp, p.vac.unit, p.state.org_form
    if e.kind in ("restaurant", "elderly") and u.name:
        return f"{e.legal}{u.name.removesuffix('店')}分店" if form == 0 else \
            (f"{e.brand}({u.name})" if form == 1 else f"{e.brand}（{u.name}）")
    if e.kind in ("supermarket", "logistics") and u.name:
        return f"{e.legal}{u.name}" if form == 0 else (f"{e.brand}({u.name})" if form == 1 else f"{e.brand}{u.name}")
    if e.kind in ("property", "security"):
        return e.legal if form == 0 else (e.brand if form == 1 else f"{e.brand}{u.name}部")
    return e.legal if form == 0 else e.brand


def _address(u: Unit, level: int) -> str:
    full = f"{u.road}{u.number}号{u.building}"
    return [f"山东省济宁市{u.district}{u.town}{full}", f"济宁市{u.district}{full}", f"{u.district}{u.town}",
            u.district, "济宁市"][level]


def _numbered(items: list[str], numbering: int, paragraph: bool) -> str:
    marks = [lambda i: f"{i}.", lambda i: f"{i}、", lambda i: f"（{i}）", lambda i: "①②③④⑤⑥"[i - 1]]
    out = [f"{marks[numbering](i + 1)}{t}" for i, t in enumerate(items)]
    return "；".join(out) + "。" if paragraph else "\n".join(out)


def description(p: Posting, title: str, pay: str | None) -> str:
    """The posting's text from the employer's template and the posting's style."""
    v, st, e = p.vac, p.state, p.vac.emp
    name, phone = st.contact
    shop = _org(replace(p, state=replace(st, org_form=1)))
    if st.stub:
        bits = [f"招{title}{st.headcount}名"]
        if pay:
            bits.append(pay)
        bits.append(f"联系{name}{phone}")
        return "，".join(bits) + "。"
    hdr, numbering, intro, para = st.desc_style
    role_word = v.role.title
    where = f"{v.unit.name}" if v.unit.name and e.kind in ("property", "security") else ""
    sections = [
        INTROS[intro].format(shop=shop + (where if where and intro != 1 else ""), legal=e.legal, title=role_word,
                             n=st.headcount),
        HEADERS[hdr][0] + ("" if para else "\n") + _numbered(list(v.duties), numbering, para),
        HEADERS[hdr][1] + ("" if para else "\n") + _numbered(list(v.reqs) + ([GROUP_REQ[v.group]] if v.group in
                                                                              GROUP_REQ else []), numbering, para),
        f"工作时间：{v.hours}" + ("（" + v.gig_tag + "，时间灵活）" if v.gig_tag else ""),
        (f"薪资待遇：{pay}，" if pay else "薪资待遇：面议，") + "、".join(e.benefits) + "。",
        f"工作地点：{_address(v.unit, min(st.loc, 1) if st.loc < 3 else 3)}",
        [f"联系人：{name}  电话：{phone}", f"联系电话：{phone}（{name}）", f"有意者请电话联系{name}：{phone}"][
            (e.style + (1 if st.source == 'gig_station' else 0)) % 3],
    ]
    if st.loc >= 3:  # the copy that knows only the district does not name the street either
        sections[5] = f"工作地点：{v.unit.district}"
    text = "\n".join(sections[i] for i in st.order)
    if st.boiler is not None:
        text += "\n" + BOILERPLATE[st.boiler]
    return text


def render(p: Posting, start: date) -> dict[str, Any]:
    """Source-neutral fields of a posting."""
    v, st = p.vac, p.state
    title = _title(p)
    pay: str | None = None
    if not st.sal_missing:
        pay = salary_text(v.role.unit, st.lo, st.hi, st.sal_form, v.b13, st.unit_dropped)
    posted = start + timedelta(days=p.day)
    valid_days = 7 if v.role.emp in ("TEMPORARY", "PART_TIME") and v.emp.kind == "gig" else \
        {"jnrc_board": 30, "hr_system": 60, "gig_station": 15}[st.source]
    tags = [t for t in (v.gig_tag, v.group) if t]
    return {
        "title": title, "org": _org(p), "address": _address(v.unit, st.loc), "loc": st.loc,
        "district": v.unit.district, "pay": pay, "pay_face": "面议" if st.sal_missing and p.idx % 3 == 0 else None,
        "description": description(p, title, pay), "posted": posted,
        "valid": None if st.valid_missing else posted + timedelta(days=valid_days),
        "emp": None if st.emp_missing else v.role.emp if not v.group == "妈妈岗" else "PART_TIME",
        "tags": tags, "phone": st.contact[1], "lat": v.unit.lat, "lon": v.unit.lon,
    }


# -- writers ---------------------------------------------------------------------------------------
EMP_XML = {"FULL_TIME": "fulltime", "PART_TIME": "parttime", "TEMPORARY": "temporary"}
EMP_CSV = {"FULL_TIME": "全职", "PART_TIME": "兼职", "TEMPORARY": "临时工"}


def _jsonld(p: Posting, f: dict[str, Any]) -> dict[str, Any]:
    addr: dict[str, Any] = {"@type": "PostalAddress", "addressRegion": "山东省", "addressCountry": "CN"}
    if f["loc"] <= 1:
        addr["streetAddress"] = f["address"]
        addr["addressLocality"] = "济宁市"
    else:
        addr["addressLocality"] = f["address"] if f["loc"] < 4 else "济宁市"
    place: dict[str, Any] = {"@type": "Place", "address": addr}
    if p.state.geo and f["loc"] <= 1:
        place["geo"] = {"@type": "GeoCoordinates", "latitude": f["lat"], "longitude": f["lon"]}
    job: dict[str, Any] = {
        "@context": "https://schema.org", "@type": "JobPosting",
        "identifier": {"@type": "PropertyValue", "name": "济宁人才网", "value": p.rid},
        "title": f["title"], "hiringOrganization": {"@type": "Organization", "name": f["org"]},
        "jobLocation": place, "description": f["description"], "datePosted": f["posted"].isoformat(),
        "url": f"https://www.jnrc.example.cn/job/{p.rid}.html",
    }
    if f["pay"]:
        if p.state.structured:
            job["baseSalary"] = {"@type": "MonetaryAmount", "currency": "CNY",
                                 "value": {"@type": "QuantitativeValue", "minValue": p.state.lo,
                                           "maxValue": p.state.hi, "unitText": "MONTH"}}
        else:
            job["baseSalary"] = f["pay"]
    elif f["pay_face"]:
        job["baseSalary"] = f["pay_face"]
    if f["emp"]:
        job["employmentType"] = f["emp"]
    if f["valid"]:
        job["validThrough"] = f["valid"].isoformat() + "T23:59:59+08:00"
    return job


def _cdata(tag: str, value: Any) -> str:
    text = str(value).replace("]]>", "]]]]><![CDATA[>")
    return f"    <{tag}><![CDATA[{text}]]></{tag}>\n"


def _rfc822(d: date, with_time: bool = True) -> str:
    days = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
    months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
    s = f"{days[d.weekday()]}, {d.day:02d} {months[d.month - 1]} {d.year}"
    return s + " 09:30:00 GMT" if with_time else s


def _xml_job(p: Posting, f: dict[str, Any]) -> str:
    out = ["  <job>\n", _cdata("title", f["title"]), _cdata("date", _rfc822(f["posted"])),
           _cdata("referencenumber", p.rid), _cdata("url", f"https://hr.jnhr.example.com/jobs/{p.rid}"),
           _cdata("company", f["org"])]
    if f["loc"] <= 1:
        out.append(_cdata("streetaddress", f["address"]))
        out.append(_cdata("city", "济宁市"))
    else:
        out.append(_cdata("city", f["address"] if f["loc"] < 4 else "济宁"))
    out += [_cdata("state", "山东省"), _cdata("country", "CN"), _cdata("description", f["description"])]
    pay = f["pay"] or f["pay_face"]
    if pay:
        out.append(_cdata("salary", pay))
    if f["emp"]:
        out.append(_cdata("jobtype", EMP_XML.get(f["emp"], "fulltime") if p.idx % 2 else EMP_CSV[f["emp"]]))
    out.append(_cdata("category", p.vac.emp.kind))
    if f["valid"]:
        out.append(_cdata("expirationdate", _rfc822(f["valid"], with_time=False)))
    out.append("  </job>\n")
    return "".join(out)


CSV_HEADER = ["编号", "岗位名称", "用工单位", "工作地点", "薪资待遇", "用工类型", "岗位描述", "发布日期", "截止日期",
              "岗位标签", "联系电话"]


def _csv_row(p: Posting, f: dict[str, Any]) -> list[str]:
    posted = f["posted"]
    day = f"{posted.year}/{posted.month}/{posted.day}" if p.idx % 2 else posted.isoformat()
    return [p.rid, f["title"], f["org"], f["address"], f["pay"] or f["pay_face"] or "",
            EMP_CSV.get(f["emp"] or "", ""), f["description"], day, f["valid"].isoformat() if f["valid"] else "",
            ",".join(f["tags"]), f["phone"]]


BOARD_MAPPING = 'preset = "schemaorg-json"\nid = "identifier.value"\n'


def write_sources(postings: list[Posting], fields: dict[int, dict[str, Any]], out: Path) -> dict[str, Path]:
    """The three sources' files for these postings (a source with none gets no file)."""
    out.mkdir(parents=True, exist_ok=True)
    files: dict[str, Path] = {}
    by: dict[str, list[Posting]] = {s: [] for s in SOURCES}
    for p in postings:
        by[p.source].append(p)
    if by["jnrc_board"]:
        path = out / "jnrc_board.json"
        path.write_text(json.dumps([_jsonld(p, fields[p.idx]) for p in by["jnrc_board"]], ensure_ascii=False,
                                   indent=1), encoding="utf-8")
        files["jnrc_board"] = path
    if by["hr_system"]:
        path = out / "hr_system.xml"
        body = "".join(_xml_job(p, fields[p.idx]) for p in by["hr_system"])
        head = ('<?xml version="1.0" encoding="utf-8"?>\n<source>\n  <publisher>济宁人力资源共享平台</publisher>\n'
                "  <publisherurl>https://hr.jnhr.example.com</publisherurl>\n")
        path.write_text(f"{head}{body}</source>\n", encoding="utf-8")
        files["hr_system"] = path
    if by["gig_station"]:
        path = out / "gig_station.csv"
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\r\n")
        w.writerow(CSV_HEADER)
        for p in by["gig_station"]:
            w.writerow(_csv_row(p, fields[p.idx]))
        path.write_bytes(buf.getvalue().encode("gbk"))
        files["gig_station"] = path
    return files


def generate(out: Path, seed: int, scale: float = 1.0, start: date = date(2026, 12, 7),
             weekly: bool = False) -> dict[str, Any]:
    """Build one world into ``out``: source files (``all/`` or ``weeks/wNN/``) and ``truth/``."""
    world = World(seed, scale)
    world.build()
    rng = random.Random(seed * 7919 + 1)
    fields = {p.idx: render(p, start) for p in world.postings}
    written: list[tuple[int, Posting]] = []
    for p in world.postings:  # a same-key redelivery is byte-identical to the record it repeats
        root = p
        while root.same_key and root.parent is not None:
            root = world.postings[root.parent]
        fields[p.idx] = fields[root.idx]
        written.append((p.deliver, root))
    postings_by_deliver = sorted(written, key=lambda t: (t[0], rng.random()))
    postings = [root for _, root in postings_by_deliver]
    (out / "truth").mkdir(parents=True, exist_ok=True)
    (out / "board_mapping.toml").write_text(BOARD_MAPPING, encoding="utf-8")
    batches: list[dict[str, Any]] = []
    if weekly:
        for w in range((SPAN_DAYS + 6) // 7):
            chunk = [root for d, root in postings_by_deliver if d // 7 == w]
            if chunk:
                files = write_sources(chunk, fields, out / "weeks" / f"w{w:02d}")
                batches.append({"week": w, "as_of": (start + timedelta(days=7 * w + 6)).isoformat(),
                                "files": {s: str(f) for s, f in files.items()}})
    else:
        files = write_sources(postings, fields, out / "all")
        batches.append({"week": None, "as_of": (start + timedelta(days=SPAN_DAYS - 1)).isoformat(),
                        "files": {s: str(f) for s, f in files.items()}})
    with open(out / "truth" / "postings.jsonl", "w", encoding="utf-8") as fh:
        for p in world.postings:
            fh.write(json.dumps({"idx": p.idx, "source": p.source, "rid": p.rid, "vid": p.vac.vid,
                                 "parent": p.parent, "cls": p.cls, "same_key": p.same_key, "day": p.day,
                                 "deliver": p.deliver, "description": fields[p.idx]["description"]},
                                ensure_ascii=False) + "\n")
    with open(out / "truth" / "vacancies.jsonl", "w", encoding="utf-8") as fh:
        for v in world.vacancies:
            fh.write(json.dumps({"vid": v.vid, "eid": v.emp.eid, "kind": v.emp.kind,
                                 "unit": v.unit.uid, "unit_kind": KINDS[v.emp.kind][2], "role": v.role.title,
                                 "shift": v.shift, "pv": v.pv, "reopen_of": v.reopen_of}, ensure_ascii=False) + "\n")
    meta = {"seed": seed, "scale": scale, "start": start.isoformat(), "span_days": SPAN_DAYS,
            "vacancies": len(world.vacancies), "postings": len(world.postings),
            "employers": len(world.employers), "batches": batches,
            "board_mapping": str(out / "board_mapping.toml")}
    (out / "truth" / "world.json").write_text(json.dumps(meta, ensure_ascii=False, indent=1), encoding="utf-8")
    return meta


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out", type=Path)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--scale", type=float, default=1.0)
    ap.add_argument("--start", type=date.fromisoformat, default=date(2026, 12, 7), help="first posting day")
    ap.add_argument("--weekly", action="store_true", help="one set of files per week (weeks/wNN/)")
    args = ap.parse_args()
    meta = generate(args.out, args.seed, args.scale, args.start, args.weekly)
    print(f"seed {meta['seed']}: {meta['vacancies']} vacancies, {meta['postings']} postings, "
          f"{meta['employers']} employers, {len(meta['batches'])} batch(es) -> {args.out}")


if __name__ == "__main__":
    main()
