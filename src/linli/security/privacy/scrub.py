"""Taking a person's contact data out of free text they wrote: their phone numbers in any
spelling, their e-mail addresses and their name, each replaced by a placeholder."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

REMOVED = "[removed]"
ERASED = "[erased]"
_DIGIT = re.compile(r"\d")
# A phone number is matched on its last digits (a resident writes "9123 4567" for +6591234567).
_TAIL_DIGITS = 8
_MIN_DIGITS = 5
_MIN_NAME = 2


def _phone_pattern(digits: str) -> str:
    tail = digits[-_TAIL_DIGITS:]
    return r"(?<!\d)" + r"[\s\-().]*".join(tail) + r"(?!\d)"


def needles(values: Iterable[str]) -> re.Pattern[str] | None:
    """Return one pattern matching every contact value given (None when there is none)."""
    parts: set[str] = set()
    for value in values:
        value = value.strip()
        digits = "".join(_DIGIT.findall(value))
        if "@" not in value and len(digits) >= _MIN_DIGITS and len(digits) * 2 >= len(value):
            parts.add(_phone_pattern(digits))
        elif len(value) >= _MIN_NAME:
            parts.add(re.escape(value))
    if not parts:
        return None
    # Longest first, so a full name is replaced before a part of it could be.
    return re.compile("|".join(sorted(parts, key=len, reverse=True)), re.IGNORECASE)


def scrub(value: Any, pattern: re.Pattern[str] | None) -> Any:
    """Return `value` (text, or JSON made of dicts, lists and text) with every match replaced."""
    if pattern is None or value is None:
        return value
    if isinstance(value, str):
        return pattern.sub(REMOVED, value)
    if isinstance(value, list):
        return [scrub(item, pattern) for item in value]
    if isinstance(value, dict):
        return {key: scrub(item, pattern) for key, item in value.items()}
    return value
