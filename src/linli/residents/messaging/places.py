"""Where a texted report happened: a building named by its code, block number, postcode or
name, looked up in the registry (buildings are public facts; nothing personal is read)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from linli.registry import service as registry_service
from linli.registry.models import Building

# "blk 123A", "block 12", "12栋", "12座", "பிளாக் 12": the number is what the registry knows.
_BLOCK = re.compile(
    r"(?:\b(?:blk|block|blok)\s*(\d{1,4}[a-z]?)\b)|(?:(\d{1,4}[a-z]?)\s*[栋棟座号號])"
    r"|(?:பிளாக்\s*(\d{1,4}[a-z]?))",
    re.IGNORECASE,
)
_POSTCODE = re.compile(r"\b(\d{6})\b")
MAX_CHOICES = 3


@dataclass(frozen=True, slots=True)
class Found:
    """A place a message names: one building, or several to choose from."""

    buildings: list[Building]

    @property
    def one(self) -> Building | None:
        return self.buildings[0] if len(self.buildings) == 1 else None


def building_name(building: Building, locale: str) -> str:
    """Return a building's name in `locale` (its Chinese name for Chinese, if it has one)."""
    return building.name_zh if locale.startswith("zh") and building.name_zh else building.name


async def _search(session: AsyncSession, q: str) -> list[Building]:
    found, _ = await registry_service.list_buildings(
        session, principal=None, q=q, limit=MAX_CHOICES + 1
    )
    return found


def _best(found: list[Building], q: str) -> list[Building]:
    """Keep the building whose code or name is exactly `q`, or whose name ends in the block."""
    folded = q.casefold()
    for building in found:
        names = (building.code, building.name, building.name_zh or "")
        if folded in (n.casefold() for n in names):
            return [building]
    ending = [b for b in found if re.search(rf"\b{re.escape(folded)}$", b.name.casefold())]
    return ending if ending else found


async def find_in(session: AsyncSession, text: str) -> Found:
    """Return the buildings a report's words name (a postcode or a block number), if any."""
    queries = [m.group(1) for m in _POSTCODE.finditer(text)]
    for match in _BLOCK.finditer(text):
        queries.append(next(g for g in match.groups() if g))
    for q in queries:
        found = _best(await _search(session, q), q)
        if found:
            return Found(found[:MAX_CHOICES])
    return Found([])


async def find_reply(session: AsyncSession, text: str) -> Found:
    """Return the buildings a reply to "where is it?" names: a code, a block, a postcode or a
    name."""
    within = await find_in(session, text)
    if within.buildings:
        return within
    q = text.strip()[:100]
    if len(q) < 2:
        return Found([])
    return Found(_best(await _search(session, q), q)[:MAX_CHOICES])
