"""The web UI's contributions: pages and the live event stream."""

from __future__ import annotations

from fastapi import APIRouter

from linli.runtime.extensions import Extension


def _routers() -> list[APIRouter]:
    from linli.web import (
        api_docs,
        device_pages,
        dispatch_pages,
        figures_pages,
        incident_pages,
        intake_pages,
        maps,
        my_survey_pages,
        my_surveys_api,
        notice_pages,
        notification_pages,
        pages,
        resident_pages,
        rule_pages,
        survey_pages,
    )

    return [
        pages.router,
        maps.router,
        api_docs.router,
        intake_pages.router,
        dispatch_pages.router,
        resident_pages.router,
        incident_pages.router,
        notice_pages.router,
        notification_pages.router,
        figures_pages.router,
        device_pages.router,
        rule_pages.router,
        survey_pages.router,
        my_survey_pages.router,
        my_surveys_api.router,
    ]


extension = Extension(name="web", routers=_routers)
