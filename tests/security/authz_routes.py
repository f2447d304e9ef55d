"""How the authorization matrix calls each route that is not a plain GET: its body, and which
object (by path, or named in the body or query) it addresses. A route that is neither generated
nor here nor in `SKIPPED` fails the completeness test."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import httpx

from factories import tiny_png

from .authz_objects import survey_json
from .authz_rules import Body, Ctx, Spec


def _json(body: dict[str, Any]) -> Body:
    return lambda c: {"json": body}


NOTE = _json({"note": "matrix"})
EMPTY = _json({})


def _unit(c: Ctx) -> str:
    return c.o.id


def _imported(resp: httpx.Response) -> str:
    """An import answers 200 and lists a row it refused among its errors."""
    if resp.status_code != 200:
        return "pass"
    return "pass" if resp.json().get("created") else "deny"


def _form_refused(resp: httpx.Response) -> str:
    """A page form answers a refusal by showing the form again (422) with the reason."""
    return "403" if resp.status_code == 422 and "may not report cases here" in resp.text else "pass"


def _notice_form_refused(resp: httpx.Response) -> str:
    """The notice form shows itself again (422) with the reason it was refused."""
    if resp.status_code != 422:
        return "pass"
    if "no such org unit" in resp.text:
        return "404"
    return "403" if "you lack" in resp.text else "pass"


def _survey_form_refused(resp: httpx.Response) -> str:
    """The survey form shows itself again (422) with the reason beside the area."""
    if resp.status_code != 422 or 'id="error-unit_id"' not in resp.text:
        return "pass"
    return "404" if "There is no such area." in resp.text else "403"


def _survey_form(c: Ctx, *, unit: bool = True) -> dict[str, Any]:
    """A one-question survey as the staff form posts it (a day's margin for the time zone)."""
    now = clock_now()
    form = {
        "title_en": "Matrix survey", "q1_kind": "text", "q1_text_en": "Anything?",
        "opens_at": (now - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M"),
        "closes_at": (now + timedelta(days=30)).strftime("%Y-%m-%dT%H:%M"),
        "blocks": "1", "action": "save",
    }  # fmt: skip
    return {"data": form | ({"unit_id": _unit(c)} if unit else {})}


def _proposal_case(c: Ctx, how: str) -> dict[str, Any]:
    """Link the placement's public report: a case whoever may answer there may read."""
    return {how: {"ref": c.w.public[f"{c.placement}-ref"]}}


def clock_now() -> datetime:
    from linli.core import clock

    return clock.now()


def _shelve(c: Ctx) -> dict[str, Any]:
    from linli.core import clock

    return {"json": {"until": (clock.now() + timedelta(hours=1)).isoformat(), "note": "matrix"}}


def _form(body: dict[str, Any]) -> Body:
    return lambda c: {"data": body}


def _meeting_body(c: Ctx) -> dict[str, Any]:
    from linli.core import clock

    start = clock.now() + timedelta(days=1)
    return {
        "unit_id": _unit(c), "title": "Matrix meeting", "mode": "in_person", "venue": "Hall",
        "starts_at": start.isoformat(), "ends_at": (start + timedelta(hours=1)).isoformat(),
    }  # fmt: skip


def _meeting_form(c: Ctx) -> dict[str, str]:
    from linli.core import clock

    start = clock.now() + timedelta(days=1)
    return {
        "unit_id": _unit(c), "title": "Matrix meeting", "mode": "in_person", "venue": "Hall",
        "starts_at": start.strftime("%Y-%m-%dT%H:%M"),
        "ends_at": (start + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
    }  # fmt: skip


def _decision(c: Ctx) -> dict[str, str]:
    return {"text": "matrix", "owner_unit_id": c.o.extra["unit_id"], "due_on": "2030-01-01"}


def _planned(resp: httpx.Response) -> str:
    """The planning form answers with a redirect: to the new meeting, or back with a reason."""
    return "pass" if "error=" not in resp.headers.get("location", "") else "403"


def _proxy(c: Ctx) -> dict[str, Any]:
    return {"json": {"proxy_id": c.o.extra["proxy_id"]}}


SPECS: dict[tuple[str, str], Spec] = {
    # residents: staff see and verify the accounts of their subtree; resident routes (`/api/my`)
    # answer staff 403 (their credentials open no resident session)
    ("POST", "/api/resident-accounts/{resident_account_id}/verify"): Spec(body=EMPTY),
    ("POST", "/api/resident-accounts/{resident_account_id}/consents"): Spec(body=_proxy),
    ("DELETE", "/api/resident-accounts/{resident_account_id}/consents/{consent_id}"): Spec(phase=9),
    ("POST", "/api/my/sign-out"): Spec(phase=9),
    ("POST", "/community/residents/{resident_account_id}/verify"): Spec(body=EMPTY),
    ("PATCH", "/api/my/account"): Spec(body=EMPTY),
    ("PUT", "/api/my/home"): Spec(body=EMPTY),
    ("POST", "/api/my/verification/registry"): Spec(body=EMPTY),
    ("POST", "/api/my/phone/code"): Spec(body=EMPTY),
    ("POST", "/api/my/phone"): Spec(body=EMPTY),
    ("POST", "/api/my/consents"): Spec(body=EMPTY),
    ("DELETE", "/api/my/consents/{consent_id}"): Spec(kind="resident_account", phase=9),
    ("PUT", "/api/my/acting-for"): Spec(body=EMPTY),
    # the resident portal's pages and forms: staff get 403, signed-out browsers the sign-in page
    ("POST", "/my/sign-out"): Spec(phase=9),
    ("POST", "/my/preferences"): Spec(body=EMPTY),
    ("POST", "/my/household/home"): Spec(body=EMPTY),
    ("POST", "/my/household/verify"): Spec(body=EMPTY),
    ("POST", "/my/household/consents"): Spec(body=EMPTY),
    ("POST", "/my/household/consents/{consent_id}/revoke"): Spec(kind="resident_account"),
    ("POST", "/my/acting-for"): Spec(body=EMPTY),
    ("POST", "/my/reports/new"): Spec(body=EMPTY),
    ("GET", "/my/reports/{report_id}"): Spec(kind="resident_account", phase=0),
    ("POST", "/my/reports/{report_id}/information"): Spec(kind="resident_account"),
    ("POST", "/my/reports/{report_id}/confirm"): Spec(kind="resident_account"),
    ("POST", "/my/reports/{report_id}/refuse"): Spec(kind="resident_account"),
    ("POST", "/my/reports/{report_id}/rating"): Spec(kind="resident_account"),
    ("POST", "/api/my/proposals"): Spec(body=EMPTY),
    ("GET", "/my/proposals/{ref}"): Spec(kind="proposal", phase=0),
    ("POST", "/my/proposals"): Spec(body=EMPTY),
    ("POST", "/my/proposals/{ref}/support"): Spec(kind="proposal", body=EMPTY),
    ("POST", "/my/proposals/{ref}/unsupport"): Spec(kind="proposal", body=EMPTY),
    ("POST", "/my/proposals/{ref}/comments"): Spec(kind="proposal", body=EMPTY),
    ("POST", "/my/proposals/{ref}/withdraw"): Spec(kind="proposal", body=EMPTY),
    ("POST", "/api/my/proposals/{ref}/support"): Spec(kind="proposal", body=EMPTY),
    ("DELETE", "/api/my/proposals/{ref}/support"): Spec(kind="proposal", body=EMPTY),
    ("POST", "/api/my/proposals/{ref}/comments"): Spec(kind="proposal", body=EMPTY),
    ("POST", "/api/my/proposals/{ref}/withdraw"): Spec(kind="proposal", body=EMPTY),
    # security
    ("POST", "/api/auth/logout"): Spec(phase=9),
    ("POST", "/api/tokens"): Spec(body=_json({"name": "matrix"})),
    ("DELETE", "/api/tokens/{token_id}"): Spec(phase=9),
    ("POST", "/api/staff"): Spec(
        kind="unit",
        by_body=True,
        body=lambda c: {
            "json": {
                "username": f"new-{c.tag}".lower(),
                "display_name": "New",
                "password": "a long password 12",
                "grants": [{"role": "grid_worker", "unit_id": _unit(c)}],
            }
        },
    ),
    ("POST", "/api/staff/{account_id}/grants"): Spec(
        by_body=True,
        body=lambda c: {
            "json": {"role": "grid_worker", "unit_id": c.w.objects["unit"][c.placement].id}
        },
    ),
    ("DELETE", "/api/staff/{account_id}/grants/{grant_id}"): Spec(phase=9),
    ("GET", "/api/cases/{case_id}/reporter"): Spec(kind="resident_case", phase=0),
    ("POST", "/api/privacy/export"): Spec(
        kind="resident", by_body=True, body=lambda c: {"json": {"phones": [c.o.extra["phone"]]}}
    ),
    ("POST", "/api/privacy/erase"): Spec(
        kind="resident",
        by_body=True,
        phase=8,
        body=lambda c: {"json": {"phones": [c.o.extra["phone"]], "confirm": True}},
    ),
    # org
    ("POST", "/api/org/units"): Spec(
        kind="unit",
        by_body=True,
        body=lambda c: {
            "json": {
                "parent_id": _unit(c),
                "kind": "grid",
                "code": f"N-{c.tag}",
                "name": "New unit",
            }
        },
    ),
    ("PUT", "/api/org/routing"): Spec(
        kind="unit",
        by_body=True,
        body=lambda c: {
            "json": {
                "category_code": "env.waste",
                "scope_unit_id": _unit(c),
                "target_unit_id": _unit(c),
            }
        },
    ),
    ("PUT", "/api/org/units/{unit_id}/calendar"): Spec(body=_json({"timezone": "Asia/Shanghai"})),
    # residents.bookings
    ("POST", "/api/facilities"): Spec(
        kind="unit",
        by_body=True,
        body=lambda c: {"json": {"org_unit_id": c.o.id, "kind": "room", "name": f"Room {c.tag}"}},
    ),
    ("PATCH", "/api/facilities/{facility_id}"): Spec(body=_json({"weekly_quota": 3})),
    ("PUT", "/api/bookings/{booking_id}/fee"): Spec(body=_json({"fee_status": "paid"})),
    ("POST", "/api/bookings/{booking_id}/check-in"): Spec(),
    ("POST", "/api/bookings/{booking_id}/cancel"): Spec(phase=8, body=_json({"reason": "matrix"})),
    ("POST", "/community/bookings/facilities"): Spec(
        kind="unit",
        by_body=True,
        body=lambda c: {"data": {"org_unit_id": c.o.id, "kind": "room", "name": f"R {c.tag}"}},
    ),
    ("POST", "/community/bookings/facilities/{facility_id}"): Spec(
        body=lambda c: {"data": {"weekly_quota": "3"}}
    ),
    ("POST", "/community/bookings/{booking_id}/check-in"): Spec(),
    ("POST", "/community/bookings/{booking_id}/fee"): Spec(
        body=lambda c: {"data": {"fee_status": "paid"}}
    ),
    ("POST", "/community/bookings/{booking_id}/cancel"): Spec(
        phase=8, body=lambda c: {"data": {"reason": "matrix"}}
    ),
    # residents.bookings, the resident's side: staff credentials open none of it (403)
    ("POST", "/api/my/bookings"): Spec(body=EMPTY),
    ("POST", "/api/my/bookings/waitlist"): Spec(body=EMPTY),
    ("DELETE", "/api/my/bookings/waitlist/{entry_id}"): Spec(kind="booking", phase=9),
    ("POST", "/api/my/bookings/{booking_id}/cancel"): Spec(body=EMPTY),
    ("POST", "/api/my/bookings/{booking_id}/accept"): Spec(body=EMPTY),
    ("POST", "/api/my/bookings/{booking_id}/check-in"): Spec(body=EMPTY),
    ("POST", "/my/bookings"): Spec(body=EMPTY),
    ("POST", "/my/bookings/waitlist"): Spec(body=EMPTY),
    ("POST", "/my/bookings/waitlist/{entry_id}/leave"): Spec(kind="booking"),
    ("POST", "/my/bookings/{booking_id}/cancel"): Spec(body=EMPTY),
    ("POST", "/my/bookings/{booking_id}/accept"): Spec(body=EMPTY),
    ("POST", "/my/bookings/{booking_id}/check-in"): Spec(body=EMPTY),
    # registry
    ("POST", "/api/buildings"): Spec(
        kind="unit",
        by_body=True,
        body=lambda c: {"json": {"code": f"NB-{c.tag}", "name": "New block", **c.lonlat()}},
    ),
    ("POST", "/api/places"): Spec(
        kind="unit",
        by_body=True,
        body=lambda c: {"json": {"kind": "clinic", "name": "New clinic", **c.lonlat()}},
    ),
    ("POST", "/api/residents"): Spec(
        kind="building",
        by_body=True,
        body=lambda c: {"json": {"building_id": c.o.id, "name": "New resident"}},
    ),
    # iot
    ("POST", "/api/devices"): Spec(
        kind="unit",
        by_body=True,
        body=lambda c: {
            "json": {
                "code": f"ND-{c.tag}",
                "type": "AirQualityObserved",
                "name": "New",
                **c.lonlat(),
            }
        },
    ),
    ("POST", "/api/devices/{device_id}/token"): Spec(phase=8),
    ("POST", "/api/devices/{device_id}/revoke"): Spec(phase=8),
    ("POST", "/api/devices/import"): Spec(
        kind="unit",
        by_body=True,
        judge=_imported,
        body=lambda c: {
            "content": "code,type,name,lon,lat\n"
            f"NI-{c.tag},AirQualityObserved,Imported,{c.lonlat()['lon']},{c.lonlat()['lat']}\n",
            "headers": {"Content-Type": "text/csv"},
        },
    ),
    ("POST", "/api/devices/{device_id}/commands"): Spec(body=_json({"name": "reboot"})),
    # rules and alarms
    ("POST", "/api/rules"): Spec(
        kind="unit",
        by_body=True,
        body=lambda c: {
            "json": {
                "name": "New rule",
                "device_type": "AirQualityObserved",
                "metric": "pm25",
                "params": {"op": ">", "threshold": 90.0},
                "scope_unit_id": _unit(c),
            }
        },
    ),
    ("PATCH", "/api/rules/{rule_id}"): Spec(body=_json({"name": "Renamed rule"})),
    ("POST", "/api/alarms/{alarm_id}/acknowledge"): Spec(body=EMPTY),
    ("POST", "/api/alarms/{alarm_id}/shelve"): Spec(body=_shelve, phase=2),
    # notifications
    ("POST", "/api/notifications/inbox/{notification_id}/read"): Spec(),
    ("POST", "/api/notifications/inbox/read-all"): Spec(phase=2),
    ("PUT", "/api/notifications/preferences"): Spec(body=_json({"timezone": "Asia/Shanghai"})),
    ("POST", "/api/notifications/routes"): Spec(
        kind="unit",
        by_body=True,
        body=lambda c: {
            "json": {"unit_id": _unit(c), "staff_ids": [c.w.objects["staff"][c.placement].id]}
        },
    ),
    ("PATCH", "/api/notifications/routes/{route_id}"): Spec(body=_json({"ack_timeout_minutes": 9})),
    ("DELETE", "/api/notifications/routes/{route_id}"): Spec(phase=9),
    ("PUT", "/api/notifications/reach/{resident_id}"): Spec(body=_json({"has_smartphone": False})),
    # cases
    ("POST", "/api/cases"): Spec(
        kind="unit",
        by_body=True,
        body=lambda c: {
            "json": {"category_code": "public.order.noise", "title": "Matrix", **c.lonlat()}
        },
    ),
    ("POST", "/api/cases/{case_id}/register"): Spec(body=NOTE),
    ("POST", "/api/cases/{case_id}/dispatch"): Spec(body=EMPTY),
    ("POST", "/api/cases/{case_id}/accept"): Spec(body=EMPTY, phase=2),
    ("POST", "/api/cases/{case_id}/start"): Spec(body=EMPTY, phase=3),
    ("POST", "/api/cases/{case_id}/handle"): Spec(body=_json({"note": "fixed"}), phase=4),
    ("POST", "/api/cases/{case_id}/verify"): Spec(body=_json({"passed": True}), phase=5),
    ("POST", "/api/cases/{case_id}/close"): Spec(body=EMPTY, phase=6),
    ("POST", "/api/cases/{case_id}/reject"): Spec(body=_json({"reason": "matrix"}), phase=7),
    ("POST", "/api/cases/{case_id}/return"): Spec(body=_json({"reason": "matrix"}), phase=7),
    ("POST", "/api/cases/{case_id}/attachments"): Spec(
        body=lambda c: {"files": {"file": ("m.png", tiny_png(), "image/png")}}
    ),
    ("PUT", "/api/categories/{code}"): Spec(
        body=lambda c: {"json": {"name": "Waste", "public": True}}
    ),
    ("PUT", "/api/cases/{case_id}/published"): Spec(body=_json({"published": False})),
    ("PUT", "/api/cases/{case_id}/timeline/{seq}/visibility"): Spec(
        body=_json({"visibility": "internal"})
    ),
    ("PUT", "/api/cases/{case_id}/attachments/{attachment_id}/visibility"): Spec(
        body=_json({"visibility": "internal"})
    ),
    ("POST", "/api/cameras"): Spec(
        kind="unit",
        by_body=True,
        body=lambda c: {"json": {"code": f"NC-{c.tag}", "name": "New camera", **c.lonlat()}},
    ),
    ("POST", "/api/cases/{case_id}/rating"): Spec(body=_json({"score": 5})),
    ("POST", "/api/cases/{case_id}/assign"): Spec(body=_json({"assign": "auto"})),
    ("POST", "/api/cases/{case_id}/arbitrate"): Spec(
        body=lambda c: {
            "json": {"unit_id": c.w.objects["unit"][c.placement].id, "reason": "matrix"}
        }
    ),
    ("POST", "/api/cases/{case_id}/contribute"): Spec(body=_json({"note": "helped"})),
    ("POST", "/api/cases/{case_id}/overdue/explain"): Spec(body=_json({"explanation": "rain"})),
    ("POST", "/api/triage/suggest"): Spec(body=_json({"text": "loud music at night"})),
    ("POST", "/api/cases/{case_id}/triage"): Spec(
        body=_json({"category_code": "public.order.noise"})
    ),
    # incidents
    ("POST", "/api/incidents"): Spec(
        kind="unit",
        by_body=True,
        body=lambda c: {
            "json": {
                "kind": "flood",
                "severity": "major",
                "title": "Matrix flood",
                "unit_id": _unit(c),
                "commander_id": c.w.accounts[c.role],
            }
        },
    ),
    ("PATCH", "/api/incidents/{incident_id}"): Spec(body=_json({"title": "Renamed"})),
    ("POST", "/api/incidents/{incident_id}/tasks"): Spec(
        body=lambda c: {
            "json": {"unit_id": c.w.objects["unit"][c.placement].id, "title": "More sandbags"}
        }
    ),
    ("PATCH", "/api/incidents/{incident_id}/tasks/{task_id}"): Spec(
        body=_json({"title": "Sandbags, more"}), act="incidents:command"
    ),
    ("POST", "/api/incidents/{incident_id}/resources"): Spec(
        body=_json({"kind": "vehicle", "name": "Truck"})
    ),
    ("PATCH", "/api/incidents/{incident_id}/resources/{resource_id}"): Spec(
        body=_json({"quantity": 2})
    ),
    ("POST", "/api/incidents/{incident_id}/log"): Spec(body=_json({"text": "water rising"})),
    ("POST", "/api/incidents/{incident_id}/cases"): Spec(
        body=lambda c: {"json": {"case_id": c.o.extra["case_id"]}}
    ),
    ("DELETE", "/api/incidents/{incident_id}/cases/{case_id}"): Spec(phase=8),
    ("POST", "/api/incidents/{incident_id}/notices"): Spec(
        body=_json({"stage": 1, "text": {"en": "Stay indoors"}})
    ),
    ("POST", "/api/incidents/{incident_id}/close"): Spec(
        body=_json({"summary": "over", "force": True, "reason": "matrix"}), phase=9
    ),
    # notices to residents
    ("POST", "/api/notices"): Spec(
        kind="unit",
        by_body=True,
        body=lambda c: {
            "json": {"unit_id": _unit(c), "texts": {"en": {"title": "Matrix", "body": "Hello"}}}
        },
    ),
    ("POST", "/api/notices/audience"): Spec(
        kind="unit", by_body=True, body=lambda c: {"json": {"unit_id": _unit(c)}}
    ),
    ("PATCH", "/api/notices/{notice_id}"): Spec(body=_json({"group": "everyone"})),
    ("POST", "/api/notices/{notice_id}/publish"): Spec(body=EMPTY),
    ("POST", "/api/notices/{notice_id}/calls"): Spec(
        body=lambda c: {"json": {"resident_id": c.o.extra["resident_id"], "outcome": "reached"}}
    ),
    ("POST", "/api/notices/{notice_id}/withdraw"): Spec(phase=9),
    # participation: proposals (the world's are accepted, so an answer is refused as 409)
    ("POST", "/api/proposals/{proposal_id}/answer"): Spec(
        body=_json({"status": "rejected", "text": "matrix"})
    ),
    ("POST", "/api/proposals/{proposal_id}/comments/{comment_id}/hide"): Spec(
        body=_json({"reason": "matrix"})
    ),
    ("PUT", "/api/proposals/{proposal_id}/result"): Spec(body=_json({"percent": 50})),
    ("POST", "/api/proposals/{proposal_id}/milestones"): Spec(
        body=_json({"title": "matrix", "due_on": "2026-05-01"})
    ),
    ("PATCH", "/api/proposals/{proposal_id}/milestones/{milestone_id}"): Spec(
        body=_json({"done_on": "2026-04-01"})
    ),
    ("POST", "/api/proposals/{proposal_id}/cases"): Spec(body=lambda c: _proposal_case(c, "json")),
    ("POST", "/community/proposals/{proposal_id}/answer"): Spec(
        body=lambda c: {"data": {"status": "rejected", "text": "matrix"}}
    ),
    ("POST", "/community/proposals/{proposal_id}/comments/{comment_id}/hide"): Spec(
        body=lambda c: {"data": {"reason": "matrix"}}
    ),
    ("POST", "/community/proposals/{proposal_id}/result"): Spec(
        body=lambda c: {"data": {"percent": "60", "status_text": "matrix"}}
    ),
    ("POST", "/community/proposals/{proposal_id}/milestones"): Spec(
        body=lambda c: {"data": {"title": "matrix", "due_on": "2026-05-01"}}
    ),
    ("POST", "/community/proposals/{proposal_id}/milestones/{milestone_id}/done"): Spec(
        body=lambda c: {"data": {"done_on": "2026-04-01"}}
    ),
    ("POST", "/community/proposals/{proposal_id}/cases"): Spec(
        body=lambda c: _proposal_case(c, "data")
    ),
    # votes (participation.ballots): the world's votes are open for voting, each with a batch
    # of paper ballots entered by root (0 ballots), which any other officer may confirm
    ("POST", "/api/votes"): Spec(
        kind="unit",
        by_body=True,
        body=lambda c: {"json": {"title": "Matrix vote", "kind": "approval", "unit_id": _unit(c)}},
    ),
    ("POST", "/api/votes/{vote_id}/options"): Spec(body=_json({"title": "Too late"})),
    ("POST", "/api/votes/{vote_id}/phase"): Spec(body=_json({"phase": "review"})),
    ("POST", "/api/votes/{vote_id}/paper-batches"): Spec(
        body=lambda c: {"json": {"station": f"S-{c.tag}", "batch": 1, "ballots": 0, "counts": []}}
    ),
    ("POST", "/api/votes/{vote_id}/paper-batches/{batch_id}/confirm"): Spec(
        body=_json({"ballots": 0, "counts": []}), phase=2
    ),
    ("DELETE", "/api/votes/{vote_id}/paper-batches/{batch_id}"): Spec(phase=9),
    ("POST", "/api/votes/{vote_id}/paper-voters"): Spec(
        body=lambda c: {
            "json": {"resident_id": c.w.objects["resident"][c.placement].id, "station": "M"}
        }
    ),
    ("POST", "/api/my/votes/{vote_id}/ballot"): Spec(
        body=lambda c: {"json": {"option_ids": [c.o.id]}}
    ),
    # meetings
    ("POST", "/api/meetings"): Spec(
        kind="unit",
        by_body=True,
        body=lambda c: {"json": _meeting_body(c)},
    ),
    ("PATCH", "/api/meetings/{meeting_id}"): Spec(body=_json({"title": "Renamed"})),
    ("POST", "/api/meetings/{meeting_id}/agenda"): Spec(body=_json({"title": "More"})),
    ("POST", "/api/meetings/{meeting_id}/status"): Spec(body=_json({"status": "live"})),
    ("PUT", "/api/meetings/{meeting_id}/current"): Spec(body=_json({"agenda_item_id": None})),
    ("POST", "/api/meetings/{meeting_id}/minutes"): Spec(body=_json({"text": "matrix"})),
    ("POST", "/api/meetings/{meeting_id}/decisions"): Spec(
        body=lambda c: {
            "json": {
                "text": "matrix",
                "owner_unit_id": c.o.extra["unit_id"],
                "due_on": "2030-01-01",
            }
        }
    ),
    ("POST", "/api/meetings/{meeting_id}/publish"): Spec(),
    ("POST", "/api/meetings/{meeting_id}/registrations/{registration_id}/check-in"): Spec(),
    ("POST", "/api/decisions/{decision_id}/updates"): Spec(
        body=_json({"status": "in_progress", "note": "matrix"}), act="meetings:run"
    ),
    # residents' meeting routes: staff credentials open no resident session (403)
    ("POST", "/api/my/meetings/{meeting_id}/registration"): Spec(body=EMPTY),
    ("DELETE", "/api/my/meetings/{meeting_id}/registration"): Spec(phase=9),
    ("POST", "/api/my/meetings/{meeting_id}/check-in"): Spec(body=EMPTY),
    ("POST", "/my/meetings/{meeting_id}/register"): Spec(),
    ("POST", "/my/meetings/{meeting_id}/cancel"): Spec(phase=9),
    ("POST", "/my/meetings/{meeting_id}/check-in"): Spec(),
    ("POST", "/community/meetings"): Spec(
        kind="unit",
        by_body=True,
        judge=_planned,
        body=lambda c: {"data": _meeting_form(c)},
    ),
    ("POST", "/community/meetings/{meeting_id}/status"): Spec(body=_form({"status": "live"})),
    ("POST", "/community/meetings/{meeting_id}/current"): Spec(body=_form({"agenda_item_id": ""})),
    ("POST", "/community/meetings/{meeting_id}/agenda"): Spec(body=_form({"title": "More"})),
    ("POST", "/community/meetings/{meeting_id}/minutes"): Spec(body=_form({"text": "matrix"})),
    ("POST", "/community/meetings/{meeting_id}/decisions"): Spec(
        body=lambda c: {
            "data": {
                "text": "matrix",
                "owner_unit_id": c.o.extra["unit_id"],
                "due_on": "2030-01-01",
            }
        }
    ),
    ("POST", "/community/meetings/{meeting_id}/publish"): Spec(),
    ("POST", "/community/meetings/{meeting_id}/registrations/{registration_id}/check-in"): Spec(),
    ("POST", "/community/decisions/{decision_id}/updates"): Spec(
        body=_form({"status": "in_progress", "note": "matrix"}), act="meetings:run"
    ),
    # pages that change things (a bearer token needs no CSRF token)
    ("POST", "/my/budgets/{vote_id}"): Spec(body=lambda c: {"data": {"action": "total"}}),
    ("POST", "/community/votes"): Spec(
        kind="unit",
        by_body=True,
        body=lambda c: {"data": {"title": "Form vote", "kind": "approval", "unit_id": _unit(c)}},
    ),
    ("POST", "/community/votes/{vote_id}/phase"): Spec(body=lambda c: {"data": {"phase": "ideas"}}),
    ("POST", "/community/votes/{vote_id}/options"): Spec(
        body=lambda c: {"data": {"title": "Late"}}
    ),
    ("POST", "/community/votes/{vote_id}/paper-batches"): Spec(
        body=lambda c: {"data": {"station": f"P-{c.tag}", "batch": "1", "ballots": "0"}}
    ),
    ("POST", "/community/votes/{vote_id}/paper-batches/{batch_id}/confirm"): Spec(
        body=lambda c: {"data": {"ballots": "0"}}, phase=3
    ),
    ("POST", "/community/votes/{vote_id}/paper-batches/{batch_id}/discard"): Spec(phase=9),
    ("POST", "/community/votes/{vote_id}/paper-voters"): Spec(
        body=lambda c: {
            "data": {"resident_id": c.w.objects["resident"][c.placement].id, "station": "P"}
        }
    ),
    ("POST", "/intake"): Spec(
        kind="unit",
        by_body=True,
        judge=_form_refused,
        body=lambda c: {
            "data": {
                "text": "Loud music",
                "title": "Loud music",
                "category_code": "public.order.noise",
                "source": "hotline",
                "lon": str(c.lonlat()["lon"]),
                "lat": str(c.lonlat()["lat"]),
            }
        },
    ),
    ("POST", "/community/notices/new"): Spec(
        kind="unit",
        by_body=True,
        judge=_notice_form_refused,
        body=lambda c: {
            "data": {"unit_id": _unit(c), "title_en": "Form", "body_en": "Hello", "action": "draft"}
        },
    ),
    ("POST", "/community/notices/{notice_id}/publish"): Spec(body=lambda c: {"data": {}}),
    ("POST", "/community/notices/{notice_id}/calls"): Spec(
        body=lambda c: {"data": {"resident_id": c.o.extra["resident_id"], "outcome": "reached"}}
    ),
    ("POST", "/community/notices/{notice_id}/withdraw"): Spec(phase=9),
    # participation/surveys
    ("POST", "/api/surveys"): Spec(
        kind="unit", by_body=True, body=lambda c: {"json": survey_json(_unit(c), clock_now())}
    ),
    ("PATCH", "/api/surveys/{survey_id}"): Spec(body=_json({"min_level": "phone"})),
    ("POST", "/api/surveys/{survey_id}/publish"): Spec(),
    ("POST", "/api/surveys/{survey_id}/close"): Spec(phase=8),
    ("POST", "/community/surveys/new"): Spec(
        kind="unit", by_body=True, judge=_survey_form_refused, body=_survey_form
    ),
    ("POST", "/community/surveys/{survey_id}/edit"): Spec(
        body=lambda c: _survey_form(c, unit=False)
    ),
    ("POST", "/community/surveys/{survey_id}/publish"): Spec(),
    ("POST", "/community/surveys/{survey_id}/close"): Spec(phase=8),
    ("PUT", "/api/my/surveys/{survey_id}/response"): Spec(body=_json({"answers": []})),
    ("POST", "/my/surveys/{survey_id}"): Spec(body=lambda c: {"data": {}}),
    ("POST", "/inbox/read-all"): Spec(phase=2),
    ("POST", "/inbox/{notification_id}/read"): Spec(),
    ("POST", "/preferences"): Spec(body=lambda c: {"data": {"timezone": "Asia/Shanghai"}}),
    ("POST", "/rules/new"): Spec(
        kind="unit",
        by_body=True,
        body=lambda c: {
            "data": {
                "kind": "threshold",
                "name": "Form rule",
                "device_type": "AirQualityObserved",
                "metric": "pm25",
                "scope_unit_id": _unit(c),
                "p_op": ">",
                "p_threshold": "80",
            }
        },
    ),
    ("POST", "/rules/{rule_id}/edit"): Spec(
        body=lambda c: {
            "data": {
                "kind": "threshold",
                "name": "Form rule",
                "device_type": "AirQualityObserved",
                "metric": "pm25",
                "p_op": ">",
                "p_threshold": "80",
            }
        }
    ),
}

# GET routes that address their object through the query, not the path.
QUERY_TARGETS: dict[str, tuple[str, Body]] = {
    "/api/org/locate": ("unit", lambda c: {"params": c.lonlat()}),
    "/api/incidents/mode": ("unit", lambda c: {"params": {"unit": _unit(c)}}),
    "/api/figures/compare": ("unit", lambda c: {"params": {"parent": _unit(c)}}),
    "/api/figures/series": ("unit", lambda c: {"params": {"unit": _unit(c)}}),
    "/api/supervision": ("unit", lambda c: {"params": {"unit": _unit(c)}}),
    "/api/figures/satisfaction": ("unit", lambda c: {"params": {"unit": _unit(c)}}),
}
# GET lists that need a query to list anything: they filter it by the caller's scope.
LIST_QUERIES: dict[str, Body] = {
    "/api/readings/latest": lambda c: {
        "params": {"device_ids": [o.id for o in c.w.objects["device"].values()]}
    },
}

# Routes the matrix cannot call, and why.
SKIPPED: dict[tuple[str, str], str] = {
    ("GET", "/api/events/stream"): "an endless SSE stream; its filter is tested in web/test_live",
    ("GET", "/api/public/meetings/{meeting_id}/stream"): (
        "an endless public SSE stream; its filter is tested in participation/meetings/test_pages"
    ),
    ("GET", "/static/{path}"): "static files: public by nature, no data behind them",
}


def spec_for(method: str, path: str) -> Spec | None:
    """Return how to call the route, generated for GETs; None when the matrix has no way."""
    if (method, path) in SPECS:
        return SPECS[(method, path)]
    if method != "GET":
        return None
    if path in QUERY_TARGETS:
        kind, body = QUERY_TARGETS[path]
        return Spec(kind=kind, body=body, by_body=True, phase=0)
    return Spec(body=LIST_QUERIES.get(path), phase=0)
