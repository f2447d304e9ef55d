"""Queries of resident accounts and consents."""

from __future__ import annotations

import uuid

from sqlalchemy import Select, select

from linli.residents.models import (
    ProxyConsent,
    ResidentAccount,
)


def account_by_hash(column: str, value: str) -> Select[ResidentAccount]:
    """Return the query of the account whose lookup-hash `column` holds `value`."""
    return select(ResidentAccount).where(getattr(ResidentAccount, column) == value)


def live_consent(
    consent_id: uuid.UUID, *, proxy_id: uuid.UUID, senior_id: uuid.UUID
) -> Select[ProxyConsent]:
    """Return the query of a consent in force for this proxy and senior."""
    return select(ProxyConsent).where(
        ProxyConsent.id == consent_id,
        ProxyConsent.proxy_id == proxy_id,
        ProxyConsent.senior_id == senior_id,
        ProxyConsent.revoked_at.is_(None),
    )
