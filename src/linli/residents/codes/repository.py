"""The token buckets that limit code requests and checks (and registry matches, consents named
by contact), kept in the database: API processes are stateless, so an in-process bucket would
give each client N times the rate. Time comes from `clock.now()`, so tests move it."""

from __future__ import annotations

import math
from datetime import timedelta

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from linli.core import clock
from linli.residents.models import ResidentRateBucket


async def take_token(session: AsyncSession, key: str, *, capacity: int, per: timedelta) -> int:
    """Take one token of `key`'s bucket (refilled at `capacity` per `per`); return 0, or the
    seconds to wait when it is empty. The bucket row is locked while it is read and written."""
    now = clock.now()
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    await session.execute(
        insert(ResidentRateBucket)
        .values(key=key[:128], tokens=float(capacity), updated_at=now)
        .on_conflict_do_nothing(index_elements=["key"])
    )
    bucket = await session.get(
        ResidentRateBucket, key[:128], with_for_update=True, populate_existing=True
    )
    assert bucket is not None  # inserted just above
    rate = capacity / per.total_seconds()
    elapsed = max(0.0, (now - bucket.updated_at).total_seconds())
    tokens = min(float(capacity), bucket.tokens + elapsed * rate)
    if tokens < 1.0:
        return max(1, math.ceil((1.0 - tokens) / rate))
    bucket.tokens, bucket.updated_at = tokens - 1.0, now
    return 0
