"""The demo's residents and the texts of their community, in each site's language (data, not
interface strings: the Bao'an-like district writes Chinese, Sengkang English)."""

from __future__ import annotations

from dataclasses import dataclass

from linli.residents.types import Level


@dataclass(frozen=True)
class Person:
    phone: str
    name: str
    locale: str
    level: Level
    unit: str
    id_suffix: str
    birth_year: int
    role: str  # what the logins table says of them
    lives_alone: bool = False
    note: str = ""


@dataclass(frozen=True)
class Budget:
    title: str
    description: str
    amount: int  # in the currency's major unit
    options: tuple[tuple[str, str, int], ...]


@dataclass(frozen=True)
class Survey:
    title: dict[str, str]
    intro: dict[str, str]
    scales: tuple[tuple[str, dict[str, str]], ...]  # (service, question)
    low: dict[str, str]
    high: dict[str, str]
    choice: dict[str, str]
    options: tuple[tuple[str, dict[str, str]], ...]
    comment: dict[str, str]


@dataclass(frozen=True)
class Meetings:
    venue: str
    past_title: str
    past_agenda: tuple[str, str]
    minutes: tuple[str, str]
    decisions: tuple[str, str]
    next_title: str
    next_agenda: tuple[str, ...]


@dataclass(frozen=True)
class SiteTexts:
    language: str
    currency: str
    me_too: str
    call_note: str
    notices: dict[str, tuple[str, str]]
    facilities: dict[str, tuple[str, str | None, str]]  # kind: (name, Chinese name, where)
    proposals: tuple[tuple[str, str, str], ...]  # open, evaluating, accepted, rejected
    answers: dict[str, str]
    progress: str
    milestones: tuple[str, str]
    phase_note: str
    results_note: str
    budgets: dict[str, Budget]
    survey: Survey
    meetings: Meetings


# In order: the daughter (phone confirmed), a resident matched to the register, one verified in
# person, and the senior living alone the daughter acts for. The order is the one the seeding
# relies on.
PEOPLE: dict[str, tuple[Person, ...]] = {
    "grid": (
        Person("+8613800138001", "王丽", "zh_Hans", Level.PHONE, "3-502", "1234", 1978,
               "acts for 陈秀英 (her mother)"),
        Person("+8613800138002", "张伟", "zh_Hans", Level.REGISTRY, "1-1203", "5678", 1985,
               "the tour's resident"),
        Person("+8613800138003", "刘洋", "zh_Hans", Level.IN_PERSON, "2-801", "2468", 1969,
               "", note="居委会办公室核实身份证"),
        Person("+8613800138004", "陈秀英", "zh_Hans", Level.IN_PERSON, "3-101", "1357", 1941,
               "lives alone", lives_alone=True, note="上门核实"),
    ),
    "town": (
        Person("+6581230001", "Tan Mei Ling", "en", Level.PHONE, "05-112", "123A", 1976,
               "acts for Tan Ah Lian (her mother)"),
        Person("+6581230002", "Muhammad Faizal bin Rahman", "en", Level.REGISTRY, "08-233",
               "456B", 1988, "the tour's resident"),
        Person("+6581230003", "Priya Raj", "en", Level.IN_PERSON, "11-318", "789C", 1972,
               "", note="NRIC checked at the RC office"),
        Person("+6581230004", "Tan Ah Lian", "en", Level.IN_PERSON, "02-105", "246D", 1943,
               "lives alone", lives_alone=True, note="verified at home"),
    ),
}  # fmt: skip


def _t(en: str, zh: str, ms: str, ta: str) -> dict[str, str]:
    return {"en": en, "zh_Hans": zh, "ms": ms, "ta": ta}


def _survey(en: str, zh: str, ms: str, ta: str) -> Survey:
    """The satisfaction survey of a community, in the four languages a survey is written in."""
    return Survey(
        title=_t(
            f"{en} residents' satisfaction survey",
            f"{zh}居民满意度调查",
            f"Tinjauan kepuasan penduduk {ms}",
            f"{ta} குடியிருப்பாளர் திருப்தி ஆய்வு",
        ),
        intro=_t(
            "Tell us how we are doing; it takes two minutes.",
            "请告诉我们您对社区服务的看法，大约两分钟。",
            "Beritahu kami prestasi kami; ia mengambil masa dua minit.",
            "எங்கள் சேவை எப்படி என்று சொல்லுங்கள்; இரண்டு நிமிடங்கள் ஆகும்.",
        ),
        scales=(
            (
                "estate_management",
                _t(
                    "How satisfied are you with the estate management?",
                    "您对物业管理满意吗？",
                    "Sejauh mana anda berpuas hati dengan pengurusan estet?",
                    "குடியிருப்பு நிர்வாகத்தில் நீங்கள் எவ்வளவு திருப்தி?",
                ),
            ),
            (
                "community_centre",
                _t(
                    "How satisfied are you with the community centre?",
                    "您对社区活动中心满意吗？",
                    "Sejauh mana anda berpuas hati dengan pusat komuniti?",
                    "சமூக நிலையத்தில் நீங்கள் எவ்வளவு திருப்தி?",
                ),
            ),
        ),
        low=_t("Not at all", "很不满意", "Langsung tidak", "இல்லவே இல்லை"),
        high=_t("Very", "非常满意", "Sangat", "மிகவும்"),
        choice=_t(
            "What should we improve first?",
            "您最希望先改进哪方面？",
            "Apakah yang perlu kami perbaiki dahulu?",
            "முதலில் எதை மேம்படுத்த வேண்டும்?",
        ),
        options=(
            ("cleanliness", _t("Cleanliness", "环境卫生", "Kebersihan", "தூய்மை")),
            ("safety", _t("Safety", "治安", "Keselamatan", "பாதுகாப்பு")),
            ("activities", _t("Activities", "社区活动", "Aktiviti", "நிகழ்ச்சிகள்")),
        ),
        comment=_t("Anything else?", "其他意见", "Ada apa-apa lagi?", "வேறு ஏதேனும்?"),
    )


TEXTS: dict[str, SiteTexts] = {
    "grid": SiteTexts(
        language="zh_Hans",
        currency="CNY",
        me_too="我家楼下也是这样，希望尽快处理。",
        call_note="已电话告知，老人清楚停水时间。",
        notices={
            "everyone": (
                "本周六上午小区消防演练",
                "本周六上午9点至10点在小区中心广场进行消防演练，届时警报会响，请勿惊慌。"
                "欢迎居民参加，学习灭火器使用。",
            ),
            "seniors": (
                "独居长者：周四停水提醒",
                "因管道检修，周四上午8点至下午2点停水。请提前储水。如需送水，请致电居委会。",
            ),
            "ahead": (
                "下周社区义诊",
                "下周三上午社区卫生服务站在居委会门口义诊，测血压、血糖，免费咨询。",
            ),
        },
        facilities={
            "hall": ("Huangling Community Hall", "黄岭社区活动室", "居委会二楼"),
            "court": ("Huangling Basketball Court", "黄岭篮球场", "中心广场东侧"),
        },
        proposals=(
            ("在3栋门口加装休息长椅", "老人买菜回来需要歇脚，建议在3栋门口加两张长椅。", "3栋门口"),
            ("增设电动车充电桩", "小区电动车多，楼道充电有火灾隐患，建议在停车棚增设充电桩。",
             "停车棚"),
            ("修缮儿童游乐场地面", "游乐场塑胶地面破损，孩子容易绊倒，建议尽快修缮。",
             "中心广场游乐场"),
            ("把篮球场改成停车场", "停车位太少，建议把篮球场改成停车场。", "篮球场"),
        ),
        answers={
            "evaluating": "感谢建议。街道正在评估停车棚的供电容量，一个月内答复。",
            "accepted": "建议已采纳，地面修缮列入本季度计划，施工期间游乐场分区开放。",
            "rejected": "篮球场是小区唯一的运动场地，使用率高，暂不改作停车场；"
            "我们将与周边商场协商夜间共享停车位。",
        },
        progress="旧地面已拆除，新塑胶材料已到货。",
        milestones=("拆除旧地面", "铺设新地面并验收"),
        phase_note="项目已审核，开始投票",
        results_note="投票结束，结果公布",
        budgets={
            "past": Budget(
                "2026年上半年微实事",
                "居民投票决定上半年社区微实事项目。",
                200000,
                (
                    ("楼道照明改造", "更换老旧楼道灯为声控LED灯。", 80000),
                    ("长者饭堂餐桌更新", "更换长者饭堂的桌椅。", 60000),
                    ("小区绿化补种", "补种中心广场的绿化。", 90000),
                ),
            ),
            "open": Budget(
                "2026年下半年微实事",
                "下半年社区微实事预算30万元，请选择您支持的项目（总额不超过预算）。",
                300000,
                (
                    ("中心广场遮阳棚", "在广场休息区搭建遮阳棚。", 120000),
                    ("楼栋无障碍坡道", "为1至3栋入口修建无障碍坡道。", 150000),
                    ("社区图书角", "在居委会一楼设立图书角。", 50000),
                    ("垃圾分类亭升级", "升级两个垃圾分类亭，加装洗手池。", 90000),
                ),
            ),
        },
        survey=_survey("Huangling", "黄岭社区", "Huangling", "ஹுவாங்லிங்"),
        meetings=Meetings(
            venue="居委会二楼会议室",
            past_title="黄岭社区居民议事会（月度）",
            past_agenda=("电动车充电桩选址", "游乐场修缮进度"),
            minutes=("居民代表提出停车棚供电不足，需评估扩容。", "施工方汇报旧地面已拆除。"),
            decisions=("两周内完成停车棚供电评估并公示。", "月底前完成游乐场地面铺设。"),
            next_title="黄岭社区居民议事会（下月）",
            next_agenda=("微实事投票结果", "夏季防汛准备", "居民提问"),
        ),
    ),
    "town": SiteTexts(
        language="en",
        currency="SGD",
        me_too="Same problem near my block, please look into it.",
        call_note="Called; she knows the lift will be down on Thursday.",
        notices={
            "everyone": (
                "Fire drill this Saturday morning",
                "There will be a fire drill at the Anchorvale precinct pavilion on Saturday "
                "from 9 to 10 am. The alarm will sound; please do not be alarmed. Residents are "
                "welcome to join and learn to use an extinguisher.",
            ),
            "seniors": (
                "Seniors living alone: lift maintenance on Thursday",
                "The lift of your block is under maintenance on Thursday from 9 am to 3 pm. "
                "If you need help with groceries, call the RC office.",
            ),
            "ahead": (
                "Free health screening next week",
                "A free health screening (blood pressure, blood sugar) will be held at the "
                "Anchorvale Community Club next Wednesday morning.",
            ),
        },
        facilities={
            "hall": ("Anchorvale RC Hall", None, "Block 305, level 1"),
            "court": ("Anchorvale Badminton Court", None, "Anchorvale Community Club"),
        },
        proposals=(
            ("Benches at the bus stop of Block 305",
             "Seniors wait long for the bus; please add two benches with a shelter.",
             "Bus stop near Block 305"),
            ("Bicycle racks near the MRT",
             "Bicycles are parked everywhere; more racks near the station would help.",
             "Near Farmway LRT"),
            ("Repair the playground floor",
             "The rubber floor of the playground is torn and children trip; please repair it.",
             "Playground at Block 310"),
            ("Turn the court into a car park",
             "There is too little parking; the court could become a car park.",
             "Badminton court"),
        ),
        answers={
            "evaluating": "Thank you. We are checking with the town council and will answer "
            "within a month.",
            "accepted": "Accepted: the floor will be repaired this quarter; the playground stays "
            "partly open during the works.",
            "rejected": "The court is the only sports facility nearby and is well used; we will "
            "ask the nearby mall to share its car park at night instead.",
        },
        progress="The old floor is removed; the new rubber mats have arrived.",
        milestones=("Remove the old floor", "Lay the new floor and inspect it"),
        phase_note="Projects reviewed: voting opens",
        results_note="Voting closed: results published",
        budgets={
            "past": Budget(
                "Anchorvale Improvement Fund, first half 2026",
                "Residents chose the small improvements of the first half year.",
                50000,
                (
                    ("LED lights at void decks", "Brighter lights at three void decks.", 20000),
                    ("New tables at the pavilion", "Replace the worn tables.", 15000),
                    ("Planter boxes", "Community planter boxes at Block 305.", 22000),
                ),
            ),
            "open": Budget(
                "Anchorvale Improvement Fund, second half 2026",
                "S$80,000 for small improvements: choose the projects you support, within the "
                "budget.",
                80000,
                (
                    ("Shade over the fitness corner", "A roof over the fitness corner.", 35000),
                    ("Ramps at block entrances", "Wheelchair ramps at four entrances.", 40000),
                    ("Book exchange corner", "A book corner at the RC.", 10000),
                    ("Recycling point upgrade", "Two upgraded recycling points.", 25000),
                ),
            ),
        },
        survey=_survey("Anchorvale", "安谷", "Anchorvale", "ஆங்கர்வேல்"),
        meetings=Meetings(
            venue="Anchorvale RC, Block 305, level 1",
            past_title="Anchorvale Residents' Committee monthly meeting",
            past_agenda=("Bicycle racks near the LRT", "Playground repairs"),
            minutes=("Residents asked for racks at both exits of the station.",
                     "The contractor reported the old floor removed."),
            decisions=("Survey the station exits and publish a plan in two weeks.",
                       "Finish the playground floor by the end of the month."),
            next_title="Anchorvale Residents' Committee, next month",
            next_agenda=("Improvement Fund results", "Preparing for the monsoon",
                         "Residents' questions"),
        ),
    ),
}  # fmt: skip
