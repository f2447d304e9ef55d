"""Participation's contributions to Linli: each room's routers and models (proposals, ballots,
surveys, council meetings), and the personal data their tables hold."""

from __future__ import annotations

from fastapi import APIRouter

from linli.runtime.extensions import Extension
from linli.security.privacy.catalogue import N_, Link, PersonalTable


def _routers() -> list[APIRouter]:
    from linli.participation.ballots import api as ballots_api
    from linli.participation.meetings import api as meetings_api
    from linli.participation.proposals import api as proposals_api
    from linli.participation.proposals import my_api as my_proposals_api
    from linli.participation.surveys import api as surveys_api

    return [
        proposals_api.router,
        my_proposals_api.router,
        *ballots_api.routers,
        surveys_api.router,
        meetings_api.router,
    ]


def _personal_data() -> list[PersonalTable]:
    by_account = (Link("account_id", "resident_account"),)
    return [
        PersonalTable("proposal", N_("Your proposals"),
                      links=(Link("author_id", "resident_account"),), clear=("display_name",),
                      scrub=("title", "body", "place"), org_path="org_path"),
        PersonalTable("proposal_support", N_("Proposals you support"), links=by_account),
        PersonalTable("proposal_comment", N_("Your comments on proposals"), links=by_account,
                      clear=("display_name",), scrub=("body",)),
        # A resident's places at meetings: which meetings, when, whether they came.
        PersonalTable("meeting_registration", N_("Your registrations for council meetings"),
                      links=by_account),
        # Survey answers are theirs too: a written answer may name them or their neighbours.
        PersonalTable("survey_response", N_("Your survey responses"), links=by_account,
                      org_path="org_path"),
        PersonalTable("survey_answer", N_("Your survey answers"),
                      links=(Link("response_id", "survey_response"),), scrub=("text",)),
    ]  # fmt: skip


extension = Extension(
    name="participation",
    models=(
        "linli.participation.proposals.models",
        "linli.participation.ballots.models",
        "linli.participation.surveys.models",
        "linli.participation.meetings.models",
    ),
    routers=_routers,
    personal_data=_personal_data,
)
