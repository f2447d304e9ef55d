"""What a short message says before triage reads it: its language (from its script, or Malay
and English marker words), a language keyword, a command, a yes/no, a case reference."""

from __future__ import annotations

import re

LANGUAGE_KEYWORDS = {
    "en": ("en", "english"),
    "zh_Hans": ("中文", "zh", "chinese", "华语", "華語", "汉语"),
    "ms": ("bm", "melayu", "malay", "ms", "bahasa"),
    "ta": ("ta", "tamil", "தமிழ்"),
}
STATUS_WORDS = frozenset({"status", "状态", "狀態", "进度", "நிலை"})
HELP_WORDS = frozenset({"help", "?", "帮助", "幫助", "bantuan", "tolong", "உதவி"})
CANCEL_WORDS = frozenset({"cancel", "取消", "batal", "ரத்து"})
YES_WORDS = frozenset({"1", "yes", "y", "是", "对", "對", "是的", "ya", "ye", "ஆம்"})
NO_WORDS = frozenset({"2", "no", "n", "否", "不", "不是", "tidak", "tak", "bukan", "இல்லை"})

_MALAY = frozenset(
    {
        "ada",
        "tidak",
        "rosak",
        "di",
        "yang",
        "dan",
        "sampah",
        "lampu",
        "bocor",
        "jalan",
        "blok",
        "dekat",
        "sini",
        "tak",
        "banyak",
        "tolong",
        "paip",
        "air",
        "longkang",
        "bising",
        "busuk",
        "kotor",
        "pokok",
        "tumbang",
        "lif",
        "tangga",
        "parkir",
        "kereta",
        "depan",
        "belakang",
        "sudah",
        "lagi",
        "tersumbat",
        "pecah",
        "mati",
        "berbau",
        "malam",
    }
)
_ENGLISH = frozenset(
    {
        "the",
        "is",
        "are",
        "at",
        "in",
        "on",
        "of",
        "and",
        "not",
        "broken",
        "near",
        "there",
        "has",
        "have",
        "light",
        "bin",
        "rubbish",
        "leaking",
        "water",
        "noise",
        "lift",
        "block",
        "smell",
        "outside",
        "full",
        "again",
        "since",
        "please",
    }
)
_WORD = re.compile(r"[^\W_]+", re.UNICODE)
_REF = re.compile(r"\bC-?\s?(\d{6})-?\s?(\d{6})\b", re.IGNORECASE)


def words(text: str) -> list[str]:
    """Return the message's words, case-folded."""
    return [w.casefold() for w in _WORD.findall(text)]


def normal(text: str) -> str:
    """Return the message as one keyword would be compared: trimmed, case-folded, no end dots."""
    return text.strip().strip(".!。！").strip().casefold()


def detect(text: str) -> str | None:
    """Return the language a report is written in, or None when its words do not tell."""
    if any("\u0b80" <= ch <= "\u0bff" for ch in text):
        return "ta"
    if any("\u4e00" <= ch <= "\u9fff" for ch in text):
        return "zh_Hans"
    found = words(text)
    malay = sum(w in _MALAY for w in found)
    english = sum(w in _ENGLISH for w in found)
    if malay > english:
        return "ms"
    if english > malay:
        return "en"
    return None


def language_keyword(text: str) -> str | None:
    """Return the language a message asks for ("中文", "BM", "TAMIL"…), or None."""
    said = normal(text)
    for locale, keywords in LANGUAGE_KEYWORDS.items():
        if said in keywords:
            return locale
    return None


def answer(text: str) -> bool | None:
    """Return True for a yes ("1", "yes", "是"…), False for a no, None for anything else."""
    found = words(text)
    said = normal(text)
    first = found[0] if found else said
    if said in YES_WORDS or first in YES_WORDS:
        return True
    if said in NO_WORDS or first in NO_WORDS:
        return False
    return None


def reference(text: str) -> str | None:
    """Return the case reference a message quotes ("C-261207-000123", "c261207000123")."""
    match = _REF.search(text)
    return f"C-{match.group(1)}-{match.group(2)}" if match else None


def reference_of_digits(digits: str) -> str | None:
    """Return the case reference keyed in on a phone's keypad (its 12 digits), or None."""
    digits = re.sub(r"\D", "", digits)
    return f"C-{digits[:6]}-{digits[6:]}" if len(digits) == 12 else None
