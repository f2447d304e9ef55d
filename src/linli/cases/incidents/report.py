"""The closing report of an incident: duration, tasks, resources, cases, log and notices."""

from __future__ import annotations

from collections import Counter

from sqlalchemy.ext.asyncio import AsyncSession

from linli.cases import service as cases_service
from linli.cases.incidents import repository
from linli.cases.incidents.models import Incident, IncidentCase, IncidentTask
from linli.cases.incidents.schemas import (
    IncidentRead,
    IncidentReport,
    LinkedCaseRead,
    LogEntryRead,
    NoticeRead,
    ResourceRead,
    TaskFigures,
    TaskRead,
)
from linli.cases.models import Case
from linli.core import clock
from linli.org import service as org_service


def linked_case_read(link: IncidentCase, case: Case, locale: str) -> LinkedCaseRead:
    """Return the API shape of a linked case, its title as a reader of `locale` reads it."""
    return LinkedCaseRead(
        case_id=case.id,
        ref=case.ref,
        title=cases_service.title_in(case, locale),
        status=case.status,
        lon=case.lon,
        lat=case.lat,
        linked_at=link.linked_at,
        linked_by=link.linked_by,
        automatic=link.automatic,
    )


def task_figures(incident: Incident, tasks: list[IncidentTask]) -> TaskFigures:
    """Count tasks done, late (done past the deadline, or open past it), open and cancelled."""
    end = incident.closed_at or clock.now()

    def late(task: IncidentTask) -> bool:
        if task.deadline_at is None:
            return False
        if task.status == "done":
            return task.finished_at is not None and task.finished_at > task.deadline_at
        return task.status == "open" and end > task.deadline_at

    return TaskFigures(
        total=len(tasks),
        done=sum(t.status == "done" for t in tasks),
        late=sum(late(t) for t in tasks),
        open=sum(t.status == "open" for t in tasks),
        cancelled=sum(t.status == "cancelled" for t in tasks),
    )


async def build_report(
    session: AsyncSession, incident: Incident, *, locale: str = "en"
) -> IncidentReport:
    """Return the structured report of an incident (final once it is closed), the linked
    cases' titles in `locale`."""
    tasks = list(await repository.tasks(session, incident.id))
    resources = list(await repository.resources(session, incident.id))
    links = await repository.linked_cases(session, incident.id)
    unit = await org_service.get_unit(session, incident.unit_id)
    names = await repository.staff_names(session, {incident.commander_id})
    end = incident.closed_at or clock.now()
    totals: Counter[str] = Counter()
    for resource in resources:
        totals[resource.kind] += resource.quantity
    return IncidentReport(
        incident=IncidentRead.model_validate(incident),
        unit_name=unit.name,
        commander=names.get(incident.commander_id, ""),
        duration_minutes=int((end - incident.declared_at).total_seconds() // 60),
        tasks=task_figures(incident, tasks),
        task_list=[TaskRead.model_validate(t) for t in tasks],
        resources=[ResourceRead.model_validate(r) for r in resources],
        resource_totals=dict(sorted(totals.items())),
        cases=[linked_case_read(link, case, locale) for link, case in links],
        case_statuses=dict(sorted(Counter(case.status for _, case in links).items())),
        log=[LogEntryRead.model_validate(e) for e in await repository.log(session, incident.id)],
        notices=[
            NoticeRead.model_validate(n) for n in await repository.notices(session, incident.id)
        ],
        generated_at=clock.now(),
    )
