"""Where a device is, as people name it in their language: "Huangling Garden Bldg 5" /
"黄岭花园5栋", and which one of several devices of its type there ("Bin 2" / "2号垃圾桶").

Alarm messages and the cases alarms open say where something happened with these words, never
with a device's code or type name. Other rooms reach them through `linli.iot.service`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from sqlalchemy import ColumnElement, select
from sqlalchemy.ext.asyncio import AsyncSession

from linli.core import i18n
from linli.core.i18n import N_
from linli.iot.models import Device
from linli.iot.wording import type_label
from linli.registry.models import Building, Place

# One of several devices of a type at the same building or place ("… · Bin 2").
ONE_OF_SEVERAL = N_("%(place)s · %(type)s %(number)d")


class _Named(Protocol):
    name: str


@dataclass(frozen=True, slots=True)
class _Whereabouts:
    at: Building | Place | None
    number: int | None  # which of several devices of the type there, by code; None: the only one


def _name_in(thing: _Named, locale: str) -> str:
    """Return a name in `locale`: the Chinese one for Chinese readers where there is one."""
    own = getattr(thing, "name_zh", None) if locale.startswith("zh") else None
    return str(own or thing.name)


async def _whereabouts(session: AsyncSession, device: Device) -> _Whereabouts:
    at: Building | Place | None = None
    same: ColumnElement[bool] | None = None
    if device.place_id is not None:
        at = await session.get(Place, device.place_id)
        same = Device.place_id == device.place_id
    if at is None and device.building_id is not None:
        at = await session.get(Building, device.building_id)
        same = Device.building_id == device.building_id
    if at is None or same is None:
        return _Whereabouts(None, None)
    codes = list(
        await session.scalars(
            select(Device.code).where(same, Device.type == device.type).order_by(Device.code)
        )
    )
    several = len(codes) > 1 and device.code in codes
    return _Whereabouts(at, codes.index(device.code) + 1 if several else None)


def _text(device: Device, where: _Whereabouts, locale: str) -> str:
    if where.at is None:
        return _name_in(device, locale)
    name = _name_in(where.at, locale)
    if where.number is None:
        return name
    translate = i18n.translations(locale).gettext
    kind = type_label(device.type, locale)
    return translate(ONE_OF_SEVERAL) % {"place": name, "type": kind, "number": where.number}


async def place_name(session: AsyncSession, device: Device, locale: str = "en") -> str:
    """Return where a device is in `locale`: its place, else its building (with which one of
    several devices of its type it is there), else its own name."""
    return _text(device, await _whereabouts(session, device), locale)


async def place_names(session: AsyncSession, device: Device) -> dict[str, str]:
    """Return where a device is in every language Linli speaks (keyed by locale)."""
    where = await _whereabouts(session, device)
    return {locale: _text(device, where, locale) for locale in i18n.SUPPORTED}
