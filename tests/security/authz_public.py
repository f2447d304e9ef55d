"""What the anonymous matrix reads from the public routes, route by route.

Each public route that shows data gets the URLs that reach every case of the world by its
reference or follow-up token, so an internal case, note or photo would have a way out. Public
routes that show no case data (health, docs, sign-in, device and camera intake, receipts) are
listed in `NO_CASE_DATA` with the reason.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .authz_world import PLACEMENTS, AuthzWorld

Call = tuple[str, str, dict[str, Any]]  # method, url, request keywords


def _refs(w: AuthzWorld) -> list[str]:
    return [*w.hidden_refs.values(), *(w.public[f"{p}-ref"] for p in PLACEMENTS)]


def _tokens(w: AuthzWorld) -> list[str]:
    return [w.public[k] for k in w.public if k.endswith("token")]


def _proposals(w: AuthzWorld) -> list[str]:
    return [w.public[f"{p}-proposal"] for p in PLACEMENTS]


def _media(w: AuthzWorld) -> list[Call]:
    return [
        ("GET", f"/open311/v2/media/{ref}/{photo}", {})
        for ref in _refs(w)
        for photo in w.staff_photos
    ]


def _similar(w: AuthzWorld) -> list[Call]:
    calls = []
    for p in PLACEMENTS:
        lon, lat = w.at(p)
        form = {"text": "Rubbish piled up by the lift", "lon": str(lon), "lat": str(lat)}
        calls.append(("POST", "/api/public/reports/similar", {"data": form}))
    return calls


def _map_cases(w: AuthzWorld) -> list[Call]:
    calls = []
    for p in PLACEMENTS:
        lon, lat = w.at(p)
        box = f"{lon - 0.05:.4f},{lat - 0.05:.4f},{lon + 0.05:.4f},{lat + 0.05:.4f}"
        calls.append(("GET", "/api/public/map/cases", {"params": {"bbox": box, "limit": 100}}))
    return calls


PUBLIC_CALLS: dict[tuple[str, str], Callable[[AuthzWorld], list[Call]]] = {
    ("GET", "/open311/v2/requests.{fmt}"): lambda w: [
        ("GET", f"/open311/v2/requests.{fmt}", q)
        for fmt in ("json", "xml")
        for q in ({}, {"params": {"service_request_id": ",".join(_refs(w))}})
    ],
    ("GET", "/open311/v2/requests/{name}"): lambda w: [
        ("GET", f"/open311/v2/requests/{ref}.{fmt}", {})
        for ref in _refs(w)
        for fmt in ("json", "xml")
    ],
    ("GET", "/open311/v2/tokens/{name}"): lambda w: [
        ("GET", f"/open311/v2/tokens/{ref}.json", {}) for ref in _refs(w)
    ],
    ("GET", "/open311/v2/media/{ref}/{attachment_id}"): _media,
    ("GET", "/api/public/reports/{token}"): lambda w: [
        ("GET", f"/api/public/reports/{t}", {}) for t in _tokens(w)
    ],
    ("GET", "/api/public/reports/{token}/feedback"): lambda w: [
        ("GET", f"/api/public/reports/{t}/feedback", {}) for t in _tokens(w)
    ],
    ("GET", "/report/status/{token}"): lambda w: [
        ("GET", f"/report/status/{t}", {}) for t in _tokens(w)
    ],
    ("POST", "/api/public/reports/similar"): _similar,
    ("GET", "/api/public/map/cases"): _map_cases,
    ("POST", "/api/public/reports/{ref}/me-too"): lambda w: [
        (
            "POST",
            f"/api/public/reports/{ref}/me-too",
            {"data": {"text": "me too", "lon": str(w.at("own")[0]), "lat": str(w.at("own")[1])}},
        )
        for ref in w.hidden_refs.values()
    ],
    ("GET", "/open311/v2/discovery.{fmt}"): lambda w: [("GET", "/open311/v2/discovery.json", {})],
    ("GET", "/open311/v2/services.{fmt}"): lambda w: [("GET", "/open311/v2/services.json", {})],
    ("GET", "/open311/v2/services/{name}"): lambda w: [
        ("GET", "/open311/v2/services/care.elderly.json", {})
    ],
    ("GET", "/report"): lambda w: [("GET", "/report", {})],
    # Proposals: their linked cases (one internal) and a comment a moderator hid (names people).
    ("GET", "/api/public/proposals"): lambda w: [("GET", "/api/public/proposals", {})],
    ("GET", "/api/public/proposals/{ref}"): lambda w: [
        ("GET", f"/api/public/proposals/{ref}", {}) for ref in _proposals(w)
    ],
    ("GET", "/api/public/proposals/{ref}/comments"): lambda w: [
        ("GET", f"/api/public/proposals/{ref}/comments", {}) for ref in _proposals(w)
    ],
    ("GET", "/proposals"): lambda w: [("GET", "/proposals", {"params": {"status": "accepted"}})],
    ("GET", "/proposals/{ref}"): lambda w: [
        ("GET", f"/proposals/{ref}", {}) for ref in _proposals(w)
    ],
    # A meeting's public pages and API: its internal minutes never show.
    ("GET", "/api/public/meetings/{meeting_id}"): lambda w: [
        ("GET", f"/api/public/meetings/{m.id}", {}) for m in w.objects["meeting"].values()
    ],
    ("GET", "/meetings/{meeting_id}"): lambda w: [
        ("GET", f"/meetings/{m.id}", {}) for m in w.objects["meeting"].values()
    ],
    ("GET", "/meetings/{meeting_id}/live"): lambda w: [
        ("GET", f"/meetings/{m.id}/live", {}) for m in w.objects["meeting"].values()
    ],
}

NO_CASE_DATA: dict[tuple[str, str], str] = {
    ("GET", "/healthz"): "says the process is up",
    ("GET", "/api/openapi.json"): "the API's description",
    ("GET", "/api/docs"): "the API's documentation page",
    ("GET", "/favicon.ico"): "the site's icon",
    ("GET", "/login"): "the sign-in form",
    ("POST", "/login"): "signs in",
    ("POST", "/logout"): "signs out",
    ("POST", "/api/auth/login"): "signs in",
    ("POST", "/api/my/sign-in/code"): "sends a resident a one-time code; answers the same for all",
    ("POST", "/api/my/sign-in"): "signs a resident in with their code; answers their own account",
    ("GET", "/my/sign-in"): "the residents' sign-in form",
    ("POST", "/my/sign-in"): "sends a resident a code, or signs them in with it",
    ("POST", "/api/csp-reports"): "takes browsers' CSP reports",
    ("POST", "/api/ingest"): "takes device readings (device token); answers counts",
    ("POST", "/api/intake/camera"): "takes camera events (camera token); answers a ref",
    ("POST", "/api/notifications/receipts/{gateway}"): "takes gateway receipts; answers nothing",
    ("POST", "/api/public/reports"): "takes a resident's report; answers its own ref and token",
    ("POST", "/open311/v2/requests.{fmt}"): "takes a report (API key); answers its own ref",
    ("POST", "/api/public/reports/{token}/confirm"): "the reporter's answer; shows no case data",
    ("POST", "/api/public/reports/{token}/refuse"): "the reporter's answer; shows no case data",
    ("POST", "/api/public/reports/{token}/rating"): "the reporter's rating; shows no case data",
    ("GET", "/static/{path}"): "static files",
    ("GET", "/api/public/map/base"): "areas and roads by name, buildings and amenities; no cases",
    ("GET", "/api/public/votes/{vote_id}/results"): "a published vote's counts and turnout",
    ("GET", "/votes/{vote_id}/results"): "a published vote's counts and turnout (page)",
    # Gateways prove themselves with a shared secret the matrix does not hold (403 here); what
    # they are told of a case (public or followed ones only) is checked in residents/messaging.
    ("POST", "/api/messaging/sms/{gateway}"): "takes a gateway's SMS; answers counts",
    ("POST", "/api/messaging/chat/{gateway}"): "takes a chat app's message; answers counts",
    ("POST", "/api/messaging/ivr/{gateway}"): "a voice gateway's keypad step: public cases only",
    ("GET", "/api/public/meetings/{meeting_id}/stream"): (
        "an endless stream of a meeting's public events; its filter is tested in "
        "participation/meetings/test_pages"
    ),
}
