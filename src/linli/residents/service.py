"""Resident accounts: sign-in by one-time code (sign-up is the same flow), sessions, the
account and its preferences; and, re-exported from the rooms that hold them, telling a resident
something in their language (`notify`, from `residents.messages`).

No passwords: see `residents.codes` for the codes, `residents.verification` for the home and the
verification levels, `residents.proxies` for acting for a senior with consent.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import uuid
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from linli.core import clock, i18n
from linli.core.errors import Forbidden, NotFound, ValidationFailed
from linli.core.settings import get_settings
from linli.residents import repository
from linli.residents.codes import service as codes
from linli.residents.codes.service import CODE_MINUTES as CODE_MINUTES
from linli.residents.codes.service import parse_contact as parse_contact
from linli.residents.errors import BadContact, CodeRefused
from linli.residents.messages.service import inbox as inbox
from linli.residents.messages.service import notify as notify
from linli.residents.models import ResidentAccount, ResidentSession
from linli.residents.types import Level, ResidentActor
from linli.security import audit

SESSION_DAYS = 30


def hash_secret(value: str) -> str:
    """Return the SHA-256 hex digest under which a session secret is stored."""
    return hashlib.sha256(value.encode()).hexdigest()


def _signature(secret: str) -> str:
    key = get_settings().secret_key.encode()
    return hmac.new(key, f"resident-session:{secret}".encode(), hashlib.sha256).hexdigest()[:32]


def cookie_value(secret: str) -> str:
    """Return the cookie of a session secret: the secret and its signature."""
    return f"{secret}.{_signature(secret)}"


def secret_of(cookie: str) -> str | None:
    """Return the secret of a well-signed cookie, else None (never looked up)."""
    secret, _, signature = cookie.rpartition(".")
    if not secret or not hmac.compare_digest(signature, _signature(secret)):
        return None
    return secret


@dataclass(frozen=True, slots=True)
class SignedIn:
    account: ResidentAccount
    session: ResidentSession
    cookie: str
    created: bool


async def start_session(
    session: AsyncSession, account: ResidentAccount
) -> tuple[str, ResidentSession]:
    """Open a session for `account`; return its cookie value (shown once) and record."""
    secret = secrets.token_urlsafe(32)
    web = ResidentSession(
        account_id=account.id,
        token_hash=hash_secret(secret),
        csrf_token=secrets.token_urlsafe(32),
        expires_at=clock.now() + timedelta(days=SESSION_DAYS),
    )
    session.add(web)
    await session.flush()
    return cookie_value(secret), web


async def sign_in(
    session: AsyncSession,
    *,
    contact: str,
    code: str,
    client: str,
    display_name: str | None = None,
    locale: str | None = None,
) -> SignedIn:
    """Check a code and sign in, creating the account on its first sign-in (sign-up).

    A code sent by SMS confirms the phone (level PHONE). Raise CodeRefused for a wrong,
    expired, used or burnt code; the caller commits before re-raising so wrong tries count.
    """
    parsed = codes.parse_contact(contact)
    await codes.use_code(session, parsed, code.strip(), client=client, purpose="sign_in")
    account = await session.scalar(
        repository.account_by_hash(codes.HASH_COLUMN[parsed.channel], parsed.hash)
    )
    created = account is None
    if account is None:
        account = ResidentAccount(
            display_name=(display_name or "").strip()[:100] or None,
            locale=i18n.normalise(locale) or "en",
            level=int(Level.SIGNED_IN),
        )
        setattr(account, "phone" if parsed.channel == "sms" else "email", parsed.value)
        session.add(account)
        await session.flush()
    elif not account.active:
        raise CodeRefused()
    if parsed.channel == "sms" and account.level < Level.PHONE:
        account.level = int(Level.PHONE)
    cookie, web = await start_session(session, account)
    await audit.record(
        session,
        actor=f"resident:{account.id}",
        action="resident.sign_up" if created else "resident.sign_in",
        target_type="resident_account",
        target_id=str(account.id),
        org_path=account.org_path,
        detail={"channel": parsed.channel},
    )
    return SignedIn(account, web, cookie, created)


async def open_account(
    session: AsyncSession, *, phone: str, display_name: str, locale: str, by: str
) -> ResidentAccount:
    """Open an account (level PHONE) for a mobile number confirmed outside Linli's sign-in (a
    seeded demo resident); its holder signs in with a code like anyone. Raise ValidationFailed
    (`phone_in_use`) when an account has the number already."""
    parsed = codes.parse_contact(phone)
    if parsed.channel != "sms":
        raise BadContact("give a mobile number")
    if await session.scalar(repository.account_by_hash("phone_hash", parsed.hash)) is not None:
        raise ValidationFailed("this number belongs to another account", code="phone_in_use")
    account = ResidentAccount(
        display_name=display_name.strip()[:100] or None,
        locale=i18n.normalise(locale) or "en",
        level=int(Level.PHONE),
        phone=parsed.value,
    )
    session.add(account)
    await session.flush()
    await audit.record(
        session,
        actor=by,
        action="resident.account_opened",
        target_type="resident_account",
        target_id=str(account.id),
    )
    return account


async def confirm_phone(
    session: AsyncSession, actor: ResidentActor, *, phone: str, code: str, client: str
) -> ResidentAccount:
    """Add a phone to the resident's account with the code sent to it (level PHONE)."""
    if actor.is_proxy:
        raise Forbidden("only the resident may change their phone", code="own_account_only")
    parsed = codes.parse_contact(phone)
    if parsed.channel != "sms":
        raise BadContact("give a mobile number")
    row = await codes.use_code(session, parsed, code.strip(), client=client, purpose="add_phone")
    if row.account_id != actor.account_id:
        raise CodeRefused()
    account = await get_account(session, actor.account_id)
    other = await session.scalar(repository.account_by_hash("phone_hash", parsed.hash))
    if other is not None and other.id != account.id:
        raise ValidationFailed("this number belongs to another account", code="phone_in_use")
    account.phone = parsed.value
    if account.level < Level.PHONE:
        account.level = int(Level.PHONE)
    await audit.record(
        session,
        actor=actor.actor,
        action="resident.phone_added",
        target_type="resident_account",
        target_id=str(account.id),
        org_path=account.org_path,
    )
    await session.flush()
    return account


async def end_session(session: AsyncSession, cookie: str) -> None:
    """Revoke the session behind a cookie."""
    secret = secret_of(cookie)
    if secret is None:
        return
    web = await session.scalar(
        select(ResidentSession).where(ResidentSession.token_hash == hash_secret(secret))
    )
    if web is not None and web.revoked_at is None:
        web.revoked_at = clock.now()


def actor_of(account: ResidentAccount) -> ResidentActor:
    """Return the actor of an account acting for itself."""
    return ResidentActor(
        account_id=account.id,
        level=Level(account.level),
        org_path=account.org_path,
        building_id=account.building_id,
        locale=account.locale,
    )


@dataclass(frozen=True, slots=True)
class Resolved:
    """What a resident's request runs as: the session, its own account and the actor."""

    session: ResidentSession
    account: ResidentAccount
    own: ResidentActor
    # The senior's actor with the proxy named while acting for one; None when the consent the
    # session acts on is no longer in force (resident routes then answer 403 `no_consent`).
    actor: ResidentActor | None


async def resolve_session(session: AsyncSession, cookie: str) -> Resolved | None:
    """Return the live session of a cookie with its actors, or None (unknown, expired, out).

    Acting for a senior is checked against the consent at every request, so a revocation
    stops it at once: `actor` is then None, and the session keeps naming the senior until the
    resident switches back, so nothing is ever done in the wrong name."""
    secret = secret_of(cookie)
    if secret is None:
        return None
    row = (
        await session.execute(
            select(ResidentSession, ResidentAccount)
            .join(ResidentAccount, ResidentAccount.id == ResidentSession.account_id)
            .where(ResidentSession.token_hash == hash_secret(secret))
        )
    ).first()
    if row is None:
        return None
    web, account = row
    if web.revoked_at is not None or web.expires_at <= clock.now() or not account.active:
        return None
    own = actor_of(account)
    if web.acting_for_id is None or web.consent_id is None:
        return Resolved(web, account, own, own)
    consent = await session.scalar(
        repository.live_consent(web.consent_id, proxy_id=account.id, senior_id=web.acting_for_id)
    )
    senior = await session.get(ResidentAccount, web.acting_for_id) if consent else None
    if consent is None or senior is None or not senior.active:
        return Resolved(web, account, own, None)
    acting = actor_of(senior)
    actor = ResidentActor(
        account_id=acting.account_id,
        level=acting.level,
        org_path=acting.org_path,
        building_id=acting.building_id,
        locale=account.locale,  # pages read in the proxy's language
        proxy_account_id=account.id,
        consent_id=consent.id,
    )
    return Resolved(web, account, own, actor)


async def get_account(session: AsyncSession, account_id: uuid.UUID) -> ResidentAccount:
    """Return a resident account, or raise NotFound."""
    account = await session.get(ResidentAccount, account_id)
    if account is None:
        raise NotFound("resident account not found", code="account_not_found")
    return account


async def update_preferences(
    session: AsyncSession,
    actor: ResidentActor,
    *,
    display_name: str | None = None,
    locale: str | None = None,
    large_text: bool | None = None,
    high_contrast: bool | None = None,
) -> ResidentAccount:
    """Change the resident's own name, language and display preferences."""
    account = await get_account(session, actor.proxy_account_id or actor.account_id)
    if locale is not None:
        chosen = i18n.normalise(locale)
        if chosen is None:
            raise ValidationFailed(f"unsupported language {locale!r}", code="unsupported_language")
        account.locale = chosen
    if display_name is not None:
        account.display_name = display_name.strip()[:100] or None
    if large_text is not None:
        account.large_text = large_text
    if high_contrast is not None:
        account.high_contrast = high_contrast
    await session.flush()
    return account


async def account_with_contact(
    session: AsyncSession, contact: codes.Contact
) -> ResidentAccount | None:
    """Return the account whose e-mail or phone is `contact` (found by keyed hash), or None."""
    return await session.scalar(
        repository.account_by_hash(codes.HASH_COLUMN[contact.channel], contact.hash)
    )


async def names_of(session: AsyncSession, ids: set[uuid.UUID]) -> dict[uuid.UUID, str]:
    """Return the display names of accounts (for the resident's own pages)."""
    if not ids:
        return {}
    rows = await session.execute(
        select(ResidentAccount.id, ResidentAccount.display_name).where(ResidentAccount.id.in_(ids))
    )
    return {rid: name or "—" for rid, name in rows}


def level_of(account: ResidentAccount) -> Level:
    """Return an account's verification level."""
    return Level(account.level)
