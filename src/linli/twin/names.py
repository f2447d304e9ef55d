"""Generate people's names, phone numbers and place names for the demo sites."""

from __future__ import annotations

import random
from collections.abc import Collection

# Common mainland surnames, weighted towards those frequent in Guangdong.
_CN_SURNAMES = "".join(
    (
        "陈陈陈李李王王张刘刘黄黄林林杨赵吴周徐孙马朱胡郭何罗",
        "高郑梁梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蔡蒋余叶钟",
    )
)
_CN_GIVEN = "".join(
    (
        "伟芳敏静丽强磊军洋勇艳杰娟涛明超霞平刚华辉玲婷斌宇浩凯",
        "健俊帆鹏鑫欣怡佳嘉子梓轩涵雨晨思文建国志海春梅兰英红燕秀桂",
    )
)

# First and second characters of synthetic community names, with their pinyin.
_PLACE_HEADS = (
    ("新", "xin"), ("和", "he"), ("福", "fu"), ("华", "hua"), ("兴", "xing"), ("南", "nan"),
    ("东", "dong"), ("宝", "bao"), ("乐", "le"), ("龙", "long"), ("凤", "feng"), ("海", "hai"),
    ("黄", "huang"), ("白", "bai"), ("石", "shi"), ("沙", "sha"), ("康", "kang"), ("荣", "rong"),
    ("盛", "sheng"), ("泰", "tai"), ("明", "ming"), ("德", "de"), ("永", "yong"), ("民", "min"),
    ("上", "shang"), ("下", "xia"), ("鹤", "he"), ("桃", "tao"), ("翠", "cui"), ("长", "chang"),
)  # fmt: skip
_PLACE_TAILS = (
    ("围", "wei"), ("涌", "chong"), ("岗", "gang"), ("塘", "tang"), ("田", "tian"), ("湖", "hu"),
    ("桥", "qiao"), ("山", "shan"), ("坑", "keng"), ("园", "yuan"), ("湾", "wan"), ("洲", "zhou"),
    ("岭", "ling"), ("庄", "zhuang"), ("安", "an"), ("城", "cheng"), ("埔", "pu"), ("头", "tou"),
)  # fmt: skip

_CN_MOBILE_PREFIXES = (
    "130", "131", "132", "133", "135", "136", "137", "138", "139", "150", "151", "152", "155",
    "156", "157", "158", "159", "177", "180", "181", "182", "186", "187", "188", "189", "199",
)  # fmt: skip

_SG_CHINESE_SURNAMES = (
    "Tan", "Lim", "Lee", "Ng", "Ong", "Wong", "Goh", "Chua", "Chan", "Koh", "Teo", "Ang", "Yeo",
    "Tay", "Ho", "Low", "Toh", "Sim", "Chong", "Chia", "Seah", "Foo", "Lau", "Leong",
)  # fmt: skip
_SG_CHINESE_SYLLABLES = (
    "Wei", "Ming", "Mei", "Ling", "Jia", "Hui", "Kok", "Siew", "Lan", "Boon", "Huat", "Min",
    "Zhi", "Hao", "Xin", "Yi", "Chee", "Keong", "Soo", "Peng", "Kim", "Seng", "Li", "Ting", "Jun",
)  # fmt: skip
_SG_ENGLISH_MALE = ("Jason", "Kelvin", "Marcus", "Ryan", "Daniel", "Alvin", "Benjamin", "Eugene")
_SG_ENGLISH_FEMALE = ("Michelle", "Rachel", "Grace", "Cheryl", "Joanne", "Vivian", "Irene", "Amy")
_MALAY_MALE = ("Muhammad Hafiz", "Ahmad", "Faizal", "Iskandar", "Muhammad Rizwan", "Amir", "Irfan")
_MALAY_FEMALE = ("Nurul Huda", "Siti Aminah", "Nur Aisyah", "Farah", "Zainab", "Noraini", "Hidayah")
_MALAY_FATHERS = ("Rahman", "Ismail", "Hassan", "Osman", "Yusof", "Ibrahim", "Salleh", "Kassim")
_INDIAN_MALE = ("Suresh", "Ravi", "Arun", "Rajesh", "Prakash", "Vijay", "Ganesh", "Karthik")
_INDIAN_FEMALE = ("Priya", "Lakshmi", "Kavitha", "Meena", "Anitha", "Deepa", "Revathi", "Shanti")
_INDIAN_FATHERS = ("Raman", "Krishnan", "Subramaniam", "Rajan", "Muthu", "Govindasamy", "Nair")
_EURASIAN_MALE = ("Daniel", "Michael", "Joseph", "Marcus", "Adrian", "Gerald")
_EURASIAN_FEMALE = ("Sarah", "Rachel", "Claire", "Melissa", "Andrea", "Monica")
_EURASIAN_SURNAMES = (
    "de Souza", "Pereira", "Rodrigues", "Fernandez", "D'Cruz", "Oliveiro", "Sequeira", "de Costa",
)  # fmt: skip


def chinese_person_name(rng: random.Random) -> str:
    """Return a mainland Chinese name: surname plus a one- or two-character given name."""
    given_length = 1 if rng.random() < 0.3 else 2
    return rng.choice(_CN_SURNAMES) + "".join(rng.choice(_CN_GIVEN) for _ in range(given_length))


def china_mobile(rng: random.Random) -> str:
    """Return a mainland mobile number in E.164 form, e.g. +8613812345678."""
    return "+86" + rng.choice(_CN_MOBILE_PREFIXES) + f"{rng.randrange(10**8):08d}"


def singapore_person_name(rng: random.Random) -> str:
    """Return a Singaporean name drawn from Chinese, Malay, Indian and Eurasian naming customs."""
    male = rng.random() < 0.5
    group = rng.choices(("chinese", "malay", "indian", "eurasian"), weights=(74, 13, 9, 4))[0]
    if group == "chinese":
        surname = rng.choice(_SG_CHINESE_SURNAMES)
        if rng.random() < 0.25:
            return f"{rng.choice(_SG_ENGLISH_MALE if male else _SG_ENGLISH_FEMALE)} {surname}"
        first, second = rng.sample(_SG_CHINESE_SYLLABLES, 2)
        tail = f"-{second.lower()}" if rng.random() < 0.2 else f" {second}"
        return f"{surname} {first}{tail}"
    if group == "malay":
        given = rng.choice(_MALAY_MALE if male else _MALAY_FEMALE)
        return f"{given} {'bin' if male else 'binte'} {rng.choice(_MALAY_FATHERS)}"
    if group == "indian":
        given = rng.choice(_INDIAN_MALE if male else _INDIAN_FEMALE)
        if rng.random() < 0.3:
            return f"{given} Kumar" if male else f"{given} Devi"
        return f"{given} {'s/o' if male else 'd/o'} {rng.choice(_INDIAN_FATHERS)}"
    given = rng.choice(_EURASIAN_MALE if male else _EURASIAN_FEMALE)
    return f"{given} {rng.choice(_EURASIAN_SURNAMES)}"


def staff_name(username: str, profile: str) -> str:
    """Return the demo name of staff member `username`, the same on every load: Chinese in the
    `grid` profile (Bao'an), Singaporean in the `town` profile (Sengkang)."""
    rng = random.Random(f"staff:{username}")
    return chinese_person_name(rng) if profile == "grid" else singapore_person_name(rng)


def singapore_mobile(rng: random.Random) -> str:
    """Return a Singapore mobile number in E.164 form, e.g. +6591234567."""
    return f"+65{rng.choice('89')}{rng.randrange(10**7):07d}"


def pinyin_join(syllables: list[str]) -> str:
    """Join pinyin syllables into one capitalised word, with an apostrophe before a vowel."""
    word = syllables[0]
    for syllable in syllables[1:]:
        word += ("'" if syllable[0] in "aoe" else "") + syllable
    return word.capitalize()


def community_names(
    rng: random.Random, count: int, *, exclude: Collection[str] = ()
) -> list[tuple[str, str]]:
    """Return `count` distinct two-character place names as (pinyin, Chinese) pairs."""
    pairs = [
        (pinyin_join([head_py, tail_py]), head + tail)
        for head, head_py in _PLACE_HEADS
        for tail, tail_py in _PLACE_TAILS
        if head != tail
    ]
    # Two characters can share a pinyin spelling (和/鹤 he); keep each spelling once.
    seen: set[str] = set(exclude)
    unique = []
    for pinyin, chinese in pairs:
        if pinyin not in seen:
            seen.add(pinyin)
            unique.append((pinyin, chinese))
    if count > len(unique):
        raise ValueError(f"cannot name {count} places, only {len(unique)} names available")
    return rng.sample(unique, count)
