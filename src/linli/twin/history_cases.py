"""The people of a demo site's history and what each does to a case, through the services."""

from __future__ import annotations

import random
import struct
import uuid
import zlib
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from linli.cases import service as cases_service
from linli.cases.evaluation import service as evaluation_service
from linli.cases.incidents import service as incidents_service
from linli.cases.incidents.schemas import CloseIn, IncidentCreate, TaskCreate, TaskUpdate
from linli.cases.intake import service as intake_service
from linli.cases.intake.models import Camera
from linli.cases.models import Case
from linli.cases.sla import service as sla_service
from linli.cases.sla.models import OverdueEntry
from linli.core import clock
from linli.core.errors import LinliError
from linli.iot.models import Device
from linli.org.models import OrgUnit
from linli.security.permissions import Principal
from linli.twin import history_data as data
from linli.twin import history_plan as plan
from linli.twin.demo_data import BUSIEST, ROUTES
from linli.twin.sites import SiteSpec


def _png() -> bytes:
    """Return a small grey PNG: the handler's photo of the work."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
        )

    rows = b"".join(b"\x00" + b"\x80" * 16 for _ in range(16))
    header = struct.pack(">IIBBBBB", 16, 16, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


PHOTO = _png()


@dataclass
class Cast:
    """The site's staff: who registers, dispatches, handles, verifies and closes where."""

    units: dict[str, OrgUnit]
    operator: Principal
    inspector: Principal
    admin: Principal
    local: Principal
    street: Principal | None
    worker: Principal
    handlers: dict[uuid.UUID, Principal]

    @classmethod
    def of(cls, site: SiteSpec, people: dict[str, Principal], units: dict[str, OrgUnit]) -> Cast:
        """Return the cast from the site's principals by username."""
        p = site.key
        handlers = {
            g.unit_id: who
            for who in people.values()
            for g in who.grants
            if g.role == "department_staff"
        }
        worker = people[f"{p}.worker"]
        handlers[units[plan.tour_unit(site)].id] = worker
        return cls(
            units,
            people[f"{p}.operator"],
            people[f"{p}.inspector"],
            people[f"{p}.admin"],
            people[f"{p}.local-operator"],
            people.get(f"{p}.street-operator"),
            worker,
            handlers,
        )

    def operator_for(self, path: str) -> Principal:
        """Return the operator nearest the case's place."""
        for who in (self.local, self.street, self.operator):
            if who is not None and who.can("cases:register", path):
                return who
        return self.operator

    def explainer_for(self, path: str) -> Principal:
        """Return who explains a missed step of the unit at `path`."""
        nearest = [
            who
            for who in (*self.handlers.values(), self.local, self.street, self.operator)
            if who is not None and any(who.can(p, path) for p in ("cases:handle", "cases:dispatch"))
        ]
        nearest.sort(key=lambda w: -max(len(g.unit_path) for g in w.grants))
        return nearest[0] if nearest else self.operator


def camera_code(site: SiteSpec, index: int = 1) -> str:
    """Return the code of the site's `index`-th history camera."""
    return f"{site.key}-cam-{index:04d}"


class CaseActor:
    """Plays the steps of the site's stories on the cases they opened."""

    def __init__(self, cast: Cast, site: SiteSpec, *, seed: int) -> None:
        self.cast, self.site, self.seed = cast, site, seed
        self.rng = random.Random(f"{seed}:{site.key}:acts")
        self.cases: dict[str, uuid.UUID] = {}
        self.tokens: dict[str, str] = {}
        self.reporters: dict[str, Principal] = {}
        self.cameras: dict[str, uuid.UUID] = {}
        self.incident_id: uuid.UUID | None = None
        self.task_ids: list[uuid.UUID] = []
        self.opened = self.steps = self.skipped = 0

    async def setup(self, session: AsyncSession) -> None:
        """Register a camera in each reporting unit (the tour's first: its code marks the
        history as played)."""
        for index, (key, building) in enumerate(plan.reporting_units(self.site), start=1):
            camera, _token = await intake_service.register_camera(
                session,
                principal=self.cast.admin,
                code=camera_code(self.site, index),
                name=f"Camera · {building.name}",
                lon=building.lon,
                lat=building.lat,
            )
            self.cameras[key] = camera.id

    async def sweep(self, session: AsyncSession, at: datetime) -> None:
        """Run the SLA sweep at `at`: warnings, then flags and escalations."""
        clock.install(clock.ManualClock(at))
        await cases_service.escalate_overdue(session, now=at)

    async def open(self, session: AsyncSession, story: plan.Story) -> bool:
        """Open the story's case from its source; return whether it opened."""
        try:
            async with session.begin_nested():
                case_id = await self._open(session, story)
        except LinliError:
            self.skipped += 1
            return False
        if case_id is None:
            return False
        self.cases[story.key] = case_id
        self.opened += 1
        return True

    async def _open(self, session: AsyncSession, story: plan.Story) -> uuid.UUID | None:
        unit = self.cast.units[story.unit_key]
        if story.source == "camera":
            camera = await session.get(Camera, self.cameras[story.local_key])
            assert camera is not None
            case, action = await intake_service.receive_event(
                session, camera, event_type=story.category, at=clock.now(), confidence=0.9
            )
            return case.id if case is not None and action == "opened" else None
        category = await cases_service.get_category(session, story.category)
        # People write in their site's language: Chinese in a `grid` district, English in a town.
        chinese = self.site.profile == "grid"
        name = category.name_in("zh_Hans") if chinese else category.name
        examples = [
            e for e in category.examples or [] if (_is_chinese(e) if chinese else e.isascii())
        ]
        words = examples[story.example % len(examples)] if examples else name
        if story.source == "resident":
            receipt = await intake_service.submit_public_report(
                session, text=words, lon=story.lon, lat=story.lat, category_code=story.category
            )
            self.tokens[story.key] = receipt.token
            return receipt.case.id
        reporter = (
            self.cast.worker
            if story.source == "patrol" and self.cast.worker.can("cases:report", unit.path)
            else self.cast.operator_for(unit.path)
        )
        case = await cases_service.report_case(
            session,
            actor=reporter,
            category_code=story.category,
            title=f"{name} · {story.place}",
            description=words,
            lon=story.lon,
            lat=story.lat,
            unit=unit,
            source=story.source,
        )
        self.reporters[story.key] = reporter
        return case.id

    def adopt(
        self, case_id: uuid.UUID, device: Device, at: datetime, rng: random.Random
    ) -> plan.Story:
        """Return the story of a case an alarm opened."""
        story = plan.Story(
            key=f"{self.site.key}/alarm/{case_id}",
            source="alarm",
            category="",
            unit_key="",
            local_key="",
            lon=device.lon,
            lat=device.lat,
            place=device.name,
            opened_at=at,
            example=0,
        )
        story.steps = plan.plan_steps(rng, self.site.profile, "alarm", at)
        self.cases[story.key] = case_id
        self.opened += 1
        return story

    async def step(self, session: AsyncSession, story: plan.Story, step: plan.Step) -> None:
        """Play one step on the story's case; a step the case no longer allows is dropped."""
        case_id = self.cases.get(story.key)
        if case_id is None:
            return
        try:
            async with session.begin_nested():
                case = await cases_service.find_case(session, case_id)
                assert case is not None
                if case.overdue and self.rng.random() < data.EXPLAIN_SHARE:
                    await self._explain(session, case)
                await self._act(session, story, step, case)
            self.steps += 1
        except LinliError:
            self.skipped += 1
            self.cases.pop(story.key, None)  # the rest of its story no longer fits

    async def _act(
        self, session: AsyncSession, story: plan.Story, step: plan.Step, case: Case
    ) -> None:
        cast, action, note = self.cast, step.action, step.note
        operator = cast.operator_for(case.org_path)
        handler = cast.handlers.get(case.assigned_unit_id or uuid.UUID(int=0), cast.admin)
        token = self.tokens.get(story.key)
        if action == "explain":
            if case.overdue:
                await self._explain(session, case)
        elif action == "register":
            await cases_service.register_case(session, case.id, principal=operator)
        elif action == "reject":
            await cases_service.reject_case(session, case.id, principal=operator, reason=note)
        elif action in ("dispatch", "redispatch"):
            await cases_service.dispatch_case(
                session, case.id, principal=operator, note=note, auto_assign=True
            )
        elif action == "return":
            await cases_service.return_case(session, case.id, principal=handler, reason=note)
        elif action == "accept":
            await cases_service.accept_case(session, case.id, principal=handler)
        elif action == "start":
            await cases_service.start_case(session, case.id, principal=handler)
        elif action == "handle":
            photo = await cases_service.add_photo(session, case.id, principal=handler, data=PHOTO)
            await cases_service.handle_case(
                session, case.id, principal=handler, note=note, evidence=[photo.id]
            )
        elif action == "fail":
            await cases_service.verify_case(
                session, case.id, principal=cast.inspector, passed=False, note=note
            )
        elif action == "refuse" and token is not None:
            await evaluation_service.refuse_fix(session, token, reason=note)
        elif action == "confirm" and token is not None:
            await evaluation_service.confirm_fix(session, token, note=note)
        elif action == "verify":
            await cases_service.verify_case(
                session, case.id, principal=cast.inspector, passed=True, note=note
            )
        elif action == "close":
            await cases_service.close_case(session, case.id, principal=cast.inspector)
        elif action == "rate" and token is not None:
            await evaluation_service.rate_by_token(session, token, score=step.score, comment=note)
        elif action == "rate" and story.key in self.reporters:
            await evaluation_service.rate_as_staff(
                session, case.id, principal=self.reporters[story.key], score=step.score,
                comment=note,
            )  # fmt: skip

    async def _explain(self, session: AsyncSession, case: Case) -> None:
        """Have the unit responsible for the case's missed deadline write why (`cases.sla`)."""
        unit_path = await session.scalar(
            select(OverdueEntry.unit_path)
            .where(
                OverdueEntry.case_id == case.id,
                OverdueEntry.resolved_at.is_(None),
                OverdueEntry.explanation.is_(None),
            )
            .order_by(OverdueEntry.overdue_at)
            .limit(1)
        )
        if unit_path is None:
            return
        await sla_service.explain_missed_steps(
            session,
            case,
            principal=self.cast.explainer_for(unit_path),
            explanation=self.rng.choice(data.EXPLANATIONS),
        )

    # --- the site's incident -------------------------------------------------------------

    def incident_plan(self, now: datetime) -> list[tuple[datetime, str]]:
        """Return when each step of the site's incident happens."""
        days, hours, *_ = data.INCIDENTS[self.site.profile]
        begin = now - timedelta(days=days)
        end = begin + timedelta(hours=hours)
        middle = begin + (end - begin) / 2
        return [
            (begin, "declare"),
            (begin + timedelta(minutes=20), "tasks"),
            (middle, "progress"),
            (end - timedelta(minutes=30), "done"),
            (end, "close"),
        ]

    async def incident(self, session: AsyncSession, step: str) -> None:
        """Play one step of the site's incident over the tour's unit."""
        _days, _hours, kind, severity, title, brief, summary = data.INCIDENTS[self.site.profile]
        cast = self.cast
        tour = cast.units[plan.tour_unit(self.site)]
        if step == "declare":
            incident = await incidents_service.declare_incident(
                session,
                principal=cast.operator,
                data=IncidentCreate(
                    kind=kind,
                    severity=severity,
                    title=title,
                    description=brief,
                    unit_id=tour.id,
                    commander_id=cast.local.account_id,
                ),
            )
            self.incident_id = incident.id
            return
        if self.incident_id is None:
            return
        if step == "tasks":
            dept_code = ROUTES[self.site.profile]["water" if kind == "flood" else BUSIEST]
            dept = next(u for u in cast.units.values() if u.code == dept_code)
            for (task, hours), unit in zip(data.INCIDENT_TASKS, (dept, tour), strict=True):
                made = await incidents_service.add_task(
                    session,
                    self.incident_id,
                    principal=cast.local,
                    data=TaskCreate(
                        unit_id=unit.id,
                        title=task,
                        deadline_at=clock.now() + timedelta(hours=hours),
                    ),
                )
                self.task_ids.append(made.id)
        elif step == "progress":
            await incidents_service.add_log_entry(
                session, self.incident_id, principal=cast.local, text=brief
            )
        elif step == "done":
            for task_id in self.task_ids:
                await incidents_service.update_task(
                    session,
                    self.incident_id,
                    task_id,
                    principal=cast.local,
                    data=TaskUpdate(status="done", note="Done."),
                )
        elif step == "close":
            await incidents_service.close_incident(
                session, self.incident_id, principal=cast.local, data=CloseIn(summary=summary)
            )


def _is_chinese(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)
