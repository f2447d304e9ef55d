"""The words of a case an alarm opens: what its title and description are made of.

The case keeps a template key and these parameters beside its stored text (rendered once in the
site's language); pages render them again in each reader's (`linli.cases.wording`). Alarms are
not stored with words; pages render their headlines per viewer
(`linli.iot.types.alarm_headline`).
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from linli.cases import service as cases_service
from linli.iot import service as iot_service
from linli.iot.models import Device
from linli.org import service as org_service
from linli.org.models import OrgUnit
from linli.rules.models import Alarm, Rule

ALARM = cases_service.ALARM_WORDS


async def alarm_words(
    session: AsyncSession, alarm: Alarm, rule: Rule, device: Device, unit: OrgUnit
) -> dict[str, Any]:
    """Return the parameters of the words of `alarm`'s case (the device's place in every
    language, times in the site's zone)."""
    return cases_service.alarm_params(
        kind=rule.kind,
        metric=alarm.metric,
        value=alarm.value,
        device_type=device.type,
        device_code=device.code,
        places=await iot_service.place_names(session, device),
        rule=rule.name,
        severity=rule.severity,
        raised_at=alarm.raised_at,
        timezone=(await org_service.calendar_for(session, unit)).timezone,
        members=len(rule.params.get("members", [])) if rule.kind == "composite" else 0,
    )


async def open_alarm_case(
    session: AsyncSession, *, alarm: Alarm, rule: Rule, device: Device
) -> uuid.UUID:
    """Open the case of an alarm at its device's unit, worded from the alarm."""
    assert rule.case_category is not None
    unit = await org_service.get_unit(session, device.org_unit_id)
    case = await cases_service.open_case_from_alarm(
        session,
        alarm_id=alarm.id,
        category_code=rule.case_category,
        unit=unit,
        text_key=ALARM,
        text_params=await alarm_words(session, alarm, rule, device, unit),
        lon=device.lon,
        lat=device.lat,
    )
    case_id: uuid.UUID = case.id
    return case_id


async def attached_note(
    session: AsyncSession, *, alarm: Alarm, rule: Rule, device: Device
) -> tuple[str, dict[str, Any]]:
    """Return the timeline note (in the site's language) of an alarm joining a case, and the
    words' parameters for pages to say it in each reader's."""
    unit = await org_service.get_unit(session, device.org_unit_id)
    params = await alarm_words(session, alarm, rule, device, unit)
    title, _ = cases_service.render_words(ALARM, params, org_service.site_locale(unit))
    return f"{title} ({device.code})", params
