"""The web UI's contributions: pages and the live event stream."""

from __future__ import annotations

from fastapi import APIRouter

from linli.runtime.extensions import Extension


def _routers() -> list[APIRouter]:
    from linli.web import (
        api_docs,
        booking_pages,
        community_notice_pages,
        community_pages,
        community_resident_pages,
        device_pages,
        dispatch_pages,
        figures_pages,
        incident_pages,
        intake_pages,
        maps,
        meeting_pages,
        meeting_pages_public,
        meeting_pages_resident,
        meeting_resident_api,
        my_booking_pages,
        my_notice_pages,
        my_proposal_pages,
        my_survey_pages,
        my_surveys_api,
        my_vote_pages,
        notice_pages,
        notification_pages,
        pages,
        portal_pages,
        portal_report_pages,
        proposal_pages,
        proposal_staff_pages,
        resident_pages,
        rule_pages,
        survey_form_pages,
        survey_pages,
        vote_pages,
    )

    return [
        pages.router,
        maps.router,
        api_docs.router,
        intake_pages.router,
        dispatch_pages.router,
        resident_pages.router,
        portal_pages.router,
        portal_report_pages.router,
        community_resident_pages.router,
        incident_pages.router,
        notice_pages.router,
        community_pages.router,
        community_notice_pages.router,
        my_notice_pages.router,
        notification_pages.router,
        figures_pages.router,
        device_pages.router,
        rule_pages.router,
        booking_pages.router,
        my_booking_pages.router,
        proposal_pages.router,
        my_proposal_pages.router,
        proposal_staff_pages.router,
        vote_pages.router,
        my_vote_pages.router,
        survey_form_pages.router,  # before the pages' /community/surveys/{survey_id}
        survey_pages.router,
        my_survey_pages.router,
        meeting_pages.router,
        meeting_pages_public.router,
        meeting_pages_public.stream_router,
        meeting_pages_resident.router,
        meeting_resident_api.router,
        my_surveys_api.router,
    ]


extension = Extension(name="web", routers=_routers)
