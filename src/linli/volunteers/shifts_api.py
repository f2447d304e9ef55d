"""Programmes and shifts HTTP API: plan them, sign volunteers up (or sign up yourself),
confirm, cancel, check in and out."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends

from linli.core.deps import Paging
from linli.core.errors import ValidationFailed
from linli.core.pagination import page_meta
from linli.security.deps import DbSession, require
from linli.security.permissions import Principal
from linli.volunteers import shifts, signups
from linli.volunteers.schemas import (
    ProgrammeCreate,
    ProgrammePage,
    ProgrammeRead,
    ShiftCreate,
    ShiftPage,
    ShiftRead,
    SignupCreate,
    SignupPage,
    SignupRead,
)

router = APIRouter(tags=["volunteers"])

Reader = Annotated[Principal, Depends(require("volunteers:read"))]
Writer = Annotated[Principal, Depends(require("volunteers:write"))]
Self = Annotated[Principal, Depends(require("volunteers:self"))]


@router.post("/api/programmes", status_code=201, response_model=ProgrammeRead)
async def create_programme(
    body: ProgrammeCreate, session: DbSession, principal: Writer
) -> ProgrammeRead:
    """Start a volunteering programme of an org unit."""
    programme = await shifts.create_programme(session, body, principal=principal)
    return ProgrammeRead.model_validate(programme)


@router.get("/api/programmes", response_model=ProgrammePage)
async def list_programmes(session: DbSession, principal: Reader, paging: Paging) -> ProgrammePage:
    """List the programmes of your subtrees, newest first."""
    page = await shifts.list_programmes(session, principal=principal, paging=paging)
    items = [ProgrammeRead.model_validate(p) for p in page.items]
    return ProgrammePage(items=items, **page_meta(page))


@router.get("/api/programmes/{programme_id}", response_model=ProgrammeRead)
async def get_programme(
    programme_id: uuid.UUID, session: DbSession, principal: Reader
) -> ProgrammeRead:
    """Read a programme."""
    programme = await shifts.get_programme(session, programme_id, principal=principal)
    return ProgrammeRead.model_validate(programme)


@router.post("/api/programmes/{programme_id}/shifts", status_code=201, response_model=ShiftRead)
async def create_shift(
    programme_id: uuid.UUID, body: ShiftCreate, session: DbSession, principal: Writer
) -> ShiftRead:
    """Plan a shift of a programme."""
    shift = await shifts.create_shift(session, programme_id, body, principal=principal)
    return ShiftRead.model_validate(shift)


@router.get("/api/programmes/{programme_id}/shifts", response_model=ShiftPage)
async def list_shifts(
    programme_id: uuid.UUID, session: DbSession, principal: Reader, paging: Paging
) -> ShiftPage:
    """List a programme's shifts, earliest first."""
    page = await shifts.list_shifts(session, programme_id, principal=principal, paging=paging)
    return ShiftPage(items=[ShiftRead.model_validate(s) for s in page.items], **page_meta(page))


@router.get("/api/shifts/{shift_id}", response_model=ShiftRead)
async def get_shift(shift_id: uuid.UUID, session: DbSession, principal: Reader) -> ShiftRead:
    """Read a shift and how many people it has."""
    return ShiftRead.model_validate(await shifts.get_shift(session, shift_id, principal=principal))


@router.get("/api/shifts/{shift_id}/signups", response_model=SignupPage)
async def list_signups(
    shift_id: uuid.UUID, session: DbSession, principal: Reader, paging: Paging
) -> SignupPage:
    """List a shift's sign-ups by status, in the order they came."""
    page = await signups.list_signups(session, shift_id, principal=principal, paging=paging)
    return SignupPage(items=[SignupRead.model_validate(s) for s in page.items], **page_meta(page))


@router.post("/api/shifts/{shift_id}/signups", status_code=201, response_model=SignupRead)
async def sign_up(
    shift_id: uuid.UUID, body: SignupCreate, session: DbSession, principal: Writer
) -> SignupRead:
    """Put a volunteer of your subtree on a shift (409 `overlapping_shift` if they are on
    another shift then)."""
    if body.volunteer_id is None:
        raise ValidationFailed("name the volunteer", code="volunteer_required")
    signup = await signups.sign_up(session, shift_id, body.volunteer_id, principal=principal)
    return SignupRead.model_validate(signup)


@router.post("/api/shifts/{shift_id}/signup", status_code=201, response_model=SignupRead)
async def sign_up_self(shift_id: uuid.UUID, session: DbSession, principal: Self) -> SignupRead:
    """Sign yourself up for a shift of your branch, as a volunteer."""
    signup = await signups.sign_up_self(session, shift_id, principal=principal)
    return SignupRead.model_validate(signup)


@router.delete("/api/shifts/{shift_id}/signup", response_model=SignupRead)
async def cancel_self(shift_id: uuid.UUID, session: DbSession, principal: Self) -> SignupRead:
    """Give up your place on a shift; the first on its waitlist takes it."""
    signup = await signups.cancel_self(session, shift_id, principal=principal)
    return SignupRead.model_validate(signup)


def _signup_route(action: str, doc: str) -> None:
    @router.post(
        f"/api/shifts/{{shift_id}}/signups/{{signup_id}}/{action}", response_model=SignupRead
    )
    async def act(
        shift_id: uuid.UUID, signup_id: uuid.UUID, session: DbSession, principal: Writer
    ) -> SignupRead:
        do = {
            "confirm": signups.confirm, "cancel": signups.cancel,
            "check-in": signups.check_in, "check-out": signups.check_out,
        }[action]  # fmt: skip
        return SignupRead.model_validate(
            await do(session, shift_id, signup_id, principal=principal)
        )

    act.__doc__ = doc
    act.__name__ = f"signup_{action.replace('-', '_')}"


_signup_route("confirm", "Confirm a pending sign-up (a place if one is left, else the waitlist).")
_signup_route("cancel", "Take a volunteer off a shift; the first on its waitlist moves up.")
_signup_route("check-in", "Record that a confirmed volunteer came.")
_signup_route("check-out", "Record that the volunteer left; the hours served are counted.")
