"""Cases' contributions: every sub-package's models and API, the `linli cases` commands, the SLA
sweep and triage retraining, and incidents as a consumer of new cases."""

from __future__ import annotations

import typer
from fastapi import APIRouter

from linli.cases import events
from linli.core.settings import get_settings
from linli.runtime.extensions import Consumer, Extension
from linli.runtime.scheduler import PeriodicTask
from linli.security.privacy.catalogue import N_, Link, PersonalTable


def _routers() -> list[APIRouter]:
    from linli.cases import api, publication_api
    from linli.cases.dispatch import api as dispatch_api
    from linli.cases.evaluation import api as evaluation_api
    from linli.cases.incidents import api as incidents_api
    from linli.cases.intake import api as intake_api
    from linli.cases.sla import api as sla_api
    from linli.cases.triage import api as triage_api

    return [
        api.router,
        publication_api.router,
        intake_api.router,
        incidents_api.router,
        evaluation_api.router,
        dispatch_api.router,
        sla_api.router,
        triage_api.router,
    ]


def _cli() -> list[tuple[str, typer.Typer]]:
    from linli.cases.cli import app

    return [("cases", app)]


def _tasks() -> list[PeriodicTask]:
    from linli.cases.intake.tasks import EXPIRY_SECONDS, expire_reporter_contacts
    from linli.cases.sla.tasks import sweep_overdue
    from linli.cases.triage import service as triage_service

    return [
        PeriodicTask(
            "cases.expire_reporter_contacts", lambda: EXPIRY_SECONDS, expire_reporter_contacts
        ),
        PeriodicTask(
            "cases.sweep_overdue",
            lambda: float(get_settings().escalation_sweep_seconds),
            sweep_overdue,
        ),
        PeriodicTask(
            "cases.triage_retrain",
            lambda: triage_service.RETRAIN_SECONDS,
            triage_service.retrain_task,
        ),
    ]


def _personal_data() -> list[PersonalTable]:
    from linli.cases.intake.privacy import reports_as_followed

    by_reporter = (Link("case_id", "case_reporter", "case_id"),)
    by_case = (Link("case_id", "case_record"),)
    return [
        PersonalTable("case_reporter", N_("Contact details given with a report"),
                      clear=("name", "phone", "email")),
        PersonalTable("case_record", N_("Your reports"),
                      links=(Link("id", "case_reporter", "case_id"),),
                      scrub=("title", "description"), present=reports_as_followed,
                      org_path="org_path"),
        PersonalTable("case_public_report", N_("Follow-up links of your reports"),
                      links=by_reporter, replace=("token",), clear=("idempotency_key",)),
        # The free text kept with their cases: their contact data is taken out of it.
        PersonalTable("case_event", N_("Case timeline"), links=by_case,
                      scrub=("note", "detail"), exported=False),
        PersonalTable("case_rating", N_("Ratings"), links=by_case, scrub=("comment",),
                      exported=False),
        PersonalTable("case_triage_decision", N_("Triage"), links=by_case, scrub=("text",),
                      exported=False),
    ]  # fmt: skip


def _consumers() -> list[Consumer]:
    from linli.cases.incidents import service as incidents_service

    return [(events.opened, incidents_service.link_new_case)]


extension = Extension(
    name="cases",
    models=tuple(
        f"linli.cases.{room}models"
        for room in ("", "intake.", "triage.", "dispatch.", "sla.", "evaluation.", "incidents.")
    ),
    routers=_routers,
    cli=_cli,
    tasks=_tasks,
    pipelines=(events.opened,),
    consumers=_consumers,
    personal_data=_personal_data,
)
