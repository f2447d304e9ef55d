"""The objects of the authorization matrix's world, made through the HTTP API (see
`authz_world` for the trees, the roles and what each placement holds)."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx

from factories import bearer, make_staff, tiny_png
from linli.core.database import session_scope
from linli.participation.meetings import service as meetings_service
from linli.participation.proposals import service as proposals
from linli.registry.models import Building
from linli.residents.bookings import service as bookings_service
from linli.residents.models import ProxyConsent, ResidentAccount
from linli.residents.types import Level, ResidentActor
from linli.security import service as security_service

from .authz_world import (
    INTERNAL_CHANNELS,
    INTERNAL_NOTE,
    PLACEMENTS,
    REPORTER,
    REPORTER_WORDS,
    ROLE_UNITS,
    AuthzWorld,
    Obj,
    call_ok,
    make_units,
    notify_everyone,
)


def survey_json(unit_id: str, now: datetime) -> dict[str, Any]:
    """Return a survey of a unit's residents, open from an hour ago for a month."""
    words = {"en": "Parks", "zh_Hans": "公园", "ms": "Taman", "ta": "பூங்கா"}
    return {
        "title": words,
        "unit_id": unit_id,
        "opens_at": (now - timedelta(hours=1)).isoformat(),
        "closes_at": (now + timedelta(days=30)).isoformat(),
        "questions": [{"kind": "text", "text": words}],
    }


async def build_world(client: httpx.AsyncClient, now: datetime) -> AuthzWorld:
    """Create both trees, the staff of every role and the objects of every placement."""
    units, root_secret = await make_units()
    w = AuthzWorld(units=units, root=bearer(root_secret))
    async with session_scope() as session:
        for role, code in ROLE_UNITS.items():
            account, w.tokens[role] = await make_staff(
                session, username=role, role=role, unit=units[code]
            )
            w.accounts[role] = str(account.id)
            _, token = await security_service.issue_token(
                session, account_id=account.id, name="spare", actor="test"
            )
            w.put("token", f"mine:{role}", Obj(str(token.id), (), owner=str(account.id)))
    for code, name, public in (
        ("public.order.noise", "Noise", True),
        ("env.waste", "Waste", True),
        ("care.elderly", "Elderly care", False),
        ("sanitation.litter", "Litter", True),
    ):
        body = {"name": name, "public": public}
        await call_ok(client, "PUT", f"/api/categories/{code}", w.root, json=body)
    for placement in PLACEMENTS:
        await _placement(client, w, placement, now)
        await _facility(client, w, placement, now)
        await _meeting(client, w, placement, now)
    await notify_everyone(w)
    for placement in PLACEMENTS:
        await _proposal(client, w, placement)
    for kind in (
        "case",
        "alarm_case",
        "camera_case",
        *(f"{s}_case" for s in INTERNAL_CHANNELS),
        "resident_case",
    ):
        for obj in w.objects[kind].values():
            detail = await call_ok(client, "GET", f"/api/cases/{obj.id}", w.root)
            obj.paths = tuple(p for p in (detail["org_path"], detail["assigned_path"]) if p)
    return w


async def _resident_accounts(placement: str, building_id: str) -> Obj:
    """A senior's resident account at home in the placement's building, a helper's, and the
    senior's consent that the helper acts for them."""
    async with session_scope() as session:
        building = await session.get(Building, uuid.UUID(building_id))
        assert building is not None
        senior = ResidentAccount(
            display_name=f"Senior {placement}",
            email=f"senior-{placement}@example.org",
            level=int(Level.PHONE),
            building_id=building.id,
            unit="01-01",
            org_unit_id=building.org_unit_id,
            org_path=building.org_path,
        )
        helper = ResidentAccount(display_name=f"Helper {placement}", level=int(Level.SIGNED_IN))
        session.add_all([senior, helper])
        await session.flush()
        consent = ProxyConsent(senior_id=senior.id, proxy_id=helper.id, recorded_by="test")
        session.add(consent)
        await session.flush()
        return Obj(
            str(senior.id),
            (building.org_path,),
            extra={"proxy_id": str(helper.id), "consent_id": str(consent.id)},
        )


async def _placement(
    client: httpx.AsyncClient, w: AuthzWorld, placement: str, now: datetime
) -> None:
    code = PLACEMENTS[placement]
    unit = w.units[code]
    path = unit.path
    lon, lat = w.at(placement)
    tag = placement.upper()
    root = w.root

    async def call(method: str, url: str, **kw: Any) -> Any:
        return await call_ok(client, method, url, root, **kw)

    w.put("unit", placement, Obj(str(unit.id), (path,), extra={"lon": lon, "lat": lat}))
    building = await call(
        "POST",
        "/api/buildings",
        json={
            "code": f"B-{tag}",
            "name": f"Block {tag}",
            "lon": lon,
            "lat": lat,
            "households": 10,
        },
    )
    w.put("building", placement, Obj(building["id"], (path,)))
    place = await call(
        "POST",
        "/api/places",
        json={
            "kind": "clinic",
            "name": f"Clinic {tag}",
            "lon": lon,
            "lat": lat,
        },
    )
    w.put("place", placement, Obj(place["id"], (path,)))
    survey = await call("POST", "/api/surveys", json=survey_json(str(unit.id), now))
    await call("POST", f"/api/surveys/{survey['id']}/publish")
    w.put("survey", placement, Obj(survey["id"], (path,)))
    phone = {"own": "+86 138 0000 0001", "sibling": "+86 138 0000 0002", "other": "+65 8000 0003"}
    resident = await call(
        "POST",
        "/api/residents",
        json={
            "building_id": building["id"],
            "name": f"Resident {tag}",
            "phone": phone[placement],
            "birth_year": 1940,
            "lives_alone": True,
        },
    )
    w.put("resident", placement, Obj(resident["id"], (path,), extra={"phone": phone[placement]}))
    w.put("resident_account", placement, await _resident_accounts(placement, building["id"]))

    # Staff living in the placement: a bystander with a grant and a token.
    bystander = await call(
        "POST",
        "/api/staff",
        json={
            "username": f"bystander-{placement}",
            "display_name": f"Bystander {tag}",
            "password": "bystander password 1",
            "grants": [{"role": "operator", "unit_id": str(unit.id)}],
        },
    )
    async with session_scope() as session:
        secret, token = await security_service.issue_token(
            session, account_id=uuid.UUID(bystander["id"]), name="by", actor="test"
        )
    w.put(
        "staff",
        placement,
        Obj(
            bystander["id"],
            (path,),
            extra={
                "grant_id": bystander["grants"][0]["id"],
                "token": secret,
            },
        ),
    )
    w.put("token", placement, Obj(str(token.id), (path,), owner=bystander["id"]))

    # Devices, rules, readings, alarms, commands, notification routes.
    device = await call(
        "POST",
        "/api/devices",
        json={
            "code": f"AQ-{tag}",
            "type": "AirQualityObserved",
            "name": f"Air {tag}",
            "lon": lon,
            "lat": lat,
        },
    )
    device_id = device["id"] if "id" in device else device["device"]["id"]
    w.put("device", placement, Obj(device_id, (path,), extra={"code": f"AQ-{tag}"}))
    rule = await call(
        "POST",
        "/api/rules",
        json={
            "name": f"PM2.5 high {tag}",
            "device_type": "AirQualityObserved",
            "metric": "pm25",
            "params": {"op": ">", "threshold": 75.0},
            "scope_unit_id": str(unit.id),
            "severity": "major",
            "case_category": "public.order.noise",
            "case_policy": "open",
        },
    )
    w.put("rule", placement, Obj(rule["id"], (path,)))
    route = await call(
        "POST",
        "/api/notifications/routes",
        json={
            "unit_id": str(unit.id),
            "staff_ids": [bystander["id"]],
        },
    )
    w.put("notification_route", placement, Obj(route["id"], (path,)))
    secret = device.get("token") or device.get("secret")
    assert isinstance(secret, str), device
    await call_ok(
        client,
        "POST",
        "/api/ingest",
        {
            "X-Device-Id": f"AQ-{tag}",
            "Authorization": f"Device {secret}",
        },
        json={"readings": [{"metric": "pm25", "value": 150.0, "ts": now.isoformat()}]},
    )
    alarms = await call("GET", "/api/alarms", params={"device_id": device_id})
    (alarm,) = alarms["items"]
    w.put("alarm", placement, Obj(alarm["id"], (path,)))
    assert alarm["case_id"], alarm
    w.put("alarm_case", placement, Obj(str(alarm["case_id"]), (path,)))
    camera = await call(
        "POST",
        "/api/cameras",
        json={
            "code": f"CAM-{tag}",
            "name": f"Camera {tag}",
            "lon": lon,
            "lat": lat,
        },
    )
    seen = await call_ok(
        client,
        "POST",
        "/api/intake/camera",
        {
            "Authorization": f"Camera {camera['token']}",
        },
        json={
            "event_type": "litter",
            "camera_id": f"CAM-{tag}",
            "time": now.isoformat(),
            "confidence": 0.9,
        },
    )
    assert seen["case_id"], seen
    w.put("camera_case", placement, Obj(str(seen["case_id"]), (path,)))
    command = await call("POST", f"/api/devices/{device_id}/commands", json={"name": "reboot"})
    w.put("command", placement, Obj(command["id"], (path,)))

    # Cases.
    async def staff_case(category: str, source: str, title: str) -> dict[str, Any]:
        body = {"category_code": category, "title": title, "lon": lon, "lat": lat, "source": source}
        made: dict[str, Any] = await call("POST", "/api/cases", json=body)
        return made

    async def internal_note(case_id: str) -> None:
        """Leave an internal note with whichever step the case allows next."""
        seen = []
        for step in ("register", "dispatch", "accept"):
            resp = await client.post(
                f"/api/cases/{case_id}/{step}", json={"note": INTERNAL_NOTE}, headers=root
            )
            if resp.status_code == 200:
                return
            seen.append(resp.text)
        raise AssertionError(f"world setup: no internal note on {case_id}: {seen}")

    async def internal_photo(case_id: str) -> str:
        files = {"file": ("p.png", tiny_png(), "image/png")}
        photo = await call("POST", f"/api/cases/{case_id}/attachments", files=files)
        w.staff_photos.add(photo["id"])
        return str(photo["id"])

    waste = placement == "own"
    case = await staff_case(
        "env.waste" if waste else "public.order.noise", "staff", f"Case {tag} {INTERNAL_NOTE}"
    )
    cid = case["id"]
    await internal_note(cid)
    if waste and (await call("GET", f"/api/cases/{cid}"))["status"] == "registered":
        await call("POST", f"/api/cases/{cid}/dispatch", json={})
    detail = await call("GET", f"/api/cases/{cid}")
    photo = await internal_photo(cid)
    seq = detail["timeline"][-1]["seq"]
    w.put(
        "case",
        placement,
        Obj(
            cid,
            (path,),
            extra={
                "attachment_id": photo,
                "seq": seq,
                "ref": case["ref"],
            },
        ),
    )
    for source in ("alarm", "camera"):
        made_id = w.objects[f"{source}_case"][placement].id
        await internal_note(made_id)
        await internal_photo(made_id)
        made = await call("GET", f"/api/cases/{made_id}")
        w.hidden_refs[f"{source}-{placement}"] = made["ref"]
    for source in INTERNAL_CHANNELS:
        made = await staff_case("public.order.noise", source, f"{source} {INTERNAL_NOTE}")
        await internal_note(made["id"])
        await internal_photo(made["id"])
        w.hidden_refs[f"{source}-{placement}"] = made["ref"]
        w.put(f"{source}_case", placement, Obj(made["id"], (path,)))

    form = {"text": "Rubbish piled up by the lift", "lon": str(lon), "lat": str(lat)}
    photo_file = {"photo": ("r.png", tiny_png(), "image/png")}
    public = await call_ok(
        client,
        "POST",
        "/api/public/reports",
        {},
        data=form | {"category_code": "public.order.noise"} | REPORTER,
        files=photo_file,
    )
    public_case = await _case_id(client, w, public["ref"])
    await internal_note(public_case)
    await internal_photo(public_case)
    w.public[f"{placement}-token"], w.public[f"{placement}-ref"] = public["token"], public["ref"]
    w.put("resident_case", placement, Obj(public_case, (path,), extra={"token": public["token"]}))
    care = await call_ok(
        client,
        "POST",
        "/api/public/reports",
        {},
        data=form | {"category_code": "care.elderly"} | REPORTER,
    )
    w.hidden_refs[f"care-{placement}"] = care["ref"]
    w.follow |= {care["token"]: care["ref"], public["token"]: public["ref"]}
    w.public[f"{placement}-care-token"] = care["token"]

    # An incident with a task, a resource and the placement's case linked to it.
    incident = await call(
        "POST",
        "/api/incidents",
        json={
            "kind": "flood",
            "severity": "major",
            "title": f"Flood {tag}",
            "unit_id": str(unit.id),
            "commander_id": bystander["id"],
        },
    )
    iid = incident["id"]
    task = await call(
        "POST",
        f"/api/incidents/{iid}/tasks",
        json={
            "unit_id": str(unit.id),
            "title": "Sandbags",
        },
    )
    resource = await call(
        "POST", f"/api/incidents/{iid}/resources", json={"kind": "equipment", "name": "Pump 1"}
    )
    await call("POST", f"/api/incidents/{iid}/cases", json={"case_id": cid})
    w.put(
        "incident",
        placement,
        Obj(
            iid,
            (path,),
            extra={
                "task_id": task["id"],
                "resource_id": resource["id"],
                "case_id": cid,
            },
        ),
    )

    # A published notice to the placement's residents.
    notice = await call(
        "POST",
        "/api/notices",
        json={
            "unit_id": str(unit.id),
            "texts": {"en": {"title": f"Notice {tag}", "body": "Water off on Friday."}},
        },
    )
    await call("POST", f"/api/notices/{notice['id']}/publish", json={})
    w.put("notice", placement, Obj(notice["id"], (path,), extra={"resident_id": resident["id"]}))

    # A vote open for voting, with a batch of paper ballots root entered.
    vote = await call(
        "POST",
        "/api/votes",
        json={"title": f"Vote {tag}", "kind": "approval", "unit_id": str(unit.id),
              "options": [{"title": "Yes"}]},
    )  # fmt: skip
    await call("POST", f"/api/votes/{vote['id']}/phase", json={"phase": "voting"})
    batch = await call(
        "POST",
        f"/api/votes/{vote['id']}/paper-batches",
        json={"station": "World", "batch": 1, "ballots": 0, "counts": []},
    )
    w.put("vote", placement, Obj(vote["id"], (path,), extra={"batch_id": batch["id"]}))


async def _facility(
    client: httpx.AsyncClient, w: AuthzWorld, placement: str, now: datetime
) -> None:
    """A hall of the placement's unit, and a resident's booking of it tomorrow at 10:00."""
    unit = w.units[PLACEMENTS[placement]]
    made = await call_ok(
        client,
        "POST",
        "/api/facilities",
        w.root,
        json={"org_unit_id": str(unit.id), "kind": "hall", "name": f"Hall {placement}",
              "fee_per_hour": 1000},
    )  # fmt: skip
    w.put("facility", placement, Obj(made["id"], (unit.path,)))
    senior = w.objects["resident_account"][placement]
    resident = ResidentActor(account_id=uuid.UUID(senior.id), level=Level.PHONE, org_path=unit.path)
    # 10:00 tomorrow on both sites' clocks (UTC+8), whatever the time of day `now` is.
    local = now.astimezone(ZoneInfo("Asia/Singapore")) + timedelta(days=1)
    starts_at = local.replace(hour=10, minute=0, second=0, microsecond=0)
    async with session_scope() as session:
        booking = await bookings_service.book(
            session,
            resident,
            facility_id=uuid.UUID(made["id"]),
            starts_at=starts_at,
            ends_at=starts_at + timedelta(hours=1),
        )
        w.put("booking", placement, Obj(str(booking.id), (unit.path,)))


async def _proposal(client: httpx.AsyncClient, w: AuthzWorld, placement: str) -> None:
    """An accepted proposal of the placement's grid with a supporter, a comment the moderator
    hid (it names people), a visible one, a milestone, and two linked cases: the resident's
    public report and an internal hotline case (public views must not name it)."""
    unit = w.units[PLACEMENTS[placement]]
    async with session_scope() as session:
        resident = ResidentActor(uuid.uuid4(), Level.SIGNED_IN, unit.path)
        made = await proposals.propose(
            session, resident, area_id=unit.id, title=f"Bench {placement}", body="A bench please"
        )
        await proposals.support(session, resident, made.ref)
        named = await proposals.comment(session, resident, made.ref, body=f"Ask {REPORTER_WORDS}")
        shown = await proposals.comment(session, resident, made.ref, body="Good idea")
    base = f"/api/proposals/{made.id}"
    await call_ok(client, "POST", f"{base}/comments/{named.id}/hide", w.root, json={"reason": "x"})
    answer = {"status": "accepted", "text": "We will do it"}
    await call_ok(client, "POST", f"{base}/answer", w.root, json=answer)
    milestone = await call_ok(
        client,
        "POST",
        f"{base}/milestones",
        w.root,
        json={"title": "Order", "due_on": "2026-04-01"},
    )
    for ref in (w.public[f"{placement}-ref"], w.hidden_refs[f"hotline-{placement}"]):
        await call_ok(client, "POST", f"{base}/cases", w.root, json={"ref": ref})
    w.public[f"{placement}-proposal"] = made.ref
    extra = {"comment_id": str(shown.id), "milestone_id": milestone["id"]}
    w.put("proposal", placement, Obj(str(made.id), (unit.path,), extra=extra))


async def _meeting(client: httpx.AsyncClient, w: AuthzWorld, placement: str, now: datetime) -> None:
    """A live meeting of the placement's unit with an internal line of the minutes, a public
    decision its unit owns and a resident's registration."""
    unit = w.units[PLACEMENTS[placement]]

    async def call(method: str, url: str, **kw: Any) -> Any:
        return await call_ok(client, method, url, w.root, **kw)

    meeting = await call(
        "POST",
        "/api/meetings",
        json={
            "unit_id": str(unit.id),
            "title": f"Council {placement}",
            "mode": "in_person",
            "venue": "Hall",
            "starts_at": (now + timedelta(hours=1)).isoformat(),
            "ends_at": (now + timedelta(hours=3)).isoformat(),
            "agenda": ["Lifts"],
        },
    )
    mid = meeting["id"]
    await call("POST", f"/api/meetings/{mid}/status", json={"status": "live"})
    await call(
        "POST", f"/api/meetings/{mid}/minutes", json={"text": INTERNAL_NOTE, "public": False}
    )
    await call("POST", f"/api/meetings/{mid}/minutes", json={"text": "Lifts are slow"})
    decision = await call(
        "POST",
        f"/api/meetings/{mid}/decisions",
        json={"text": "Fix the lifts", "owner_unit_id": str(unit.id), "due_on": "2030-01-01"},
    )
    resident = ResidentActor(uuid.uuid4(), Level.IN_PERSON, unit.path)
    async with session_scope() as session:
        registration = await meetings_service.register(session, uuid.UUID(mid), actor=resident)
    extra = {"registration_id": str(registration.id), "unit_id": str(unit.id)}
    w.put("meeting", placement, Obj(mid, (unit.path,), extra=extra))
    w.put("decision", placement, Obj(decision["id"], (unit.path,)))


async def _case_id(client: httpx.AsyncClient, w: AuthzWorld, ref: str) -> str:
    found = await call_ok(client, "GET", "/api/cases", w.root, params={"q": ref})
    (case,) = [c for c in found["items"] if c["ref"] == ref]
    return str(case["id"])
