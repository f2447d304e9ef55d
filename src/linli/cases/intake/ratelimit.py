"""A token bucket per client for the public report endpoint, kept in the database.

In the database rather than in the process: API processes are stateless and any number run
behind a load balancer, so an in-process bucket would give each client N times the rate. The
bucket row is locked while it is read and written, so parallel requests cannot both take the last
token. Time comes from `clock.now()`, so tests move it instead of sleeping.
"""

from __future__ import annotations

import math
from datetime import timedelta

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from linli.cases.intake.models import IntakeRateBucket
from linli.core import clock
from linli.core.database import session_scope
from linli.core.errors import TooManyRequests

PUBLIC_REPORTS_PER_MINUTE = 10


class RateLimited(TooManyRequests):
    code = "rate_limited"

    def __init__(self, retry_after: int) -> None:
        super().__init__(
            f"too many reports from this address; try again in {retry_after} s",
            retry_after=retry_after,
        )
        self.retry_after = retry_after


async def take_token(
    session: AsyncSession,
    key: str,
    *,
    capacity: int = PUBLIC_REPORTS_PER_MINUTE,
    per: timedelta = timedelta(minutes=1),
) -> None:
    """Take one token from `key`'s bucket (refilled at `capacity` per `per`), or raise RateLimited.

    The caller commits this in its own transaction, so refused and failed requests count too.
    """
    now = clock.now()
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    await session.execute(
        insert(IntakeRateBucket)
        .values(key=key, tokens=float(capacity), updated_at=now)
        .on_conflict_do_nothing(index_elements=["key"])
    )
    bucket = await session.get(IntakeRateBucket, key, with_for_update=True, populate_existing=True)
    assert bucket is not None  # inserted just above
    rate = capacity / per.total_seconds()
    elapsed = max(0.0, (now - bucket.updated_at).total_seconds())
    tokens = min(float(capacity), bucket.tokens + elapsed * rate)
    if tokens < 1.0:
        raise RateLimited(max(1, math.ceil((1.0 - tokens) / rate)))
    bucket.tokens, bucket.updated_at = tokens - 1.0, now


async def spend_token(
    key: str, *, capacity: int = PUBLIC_REPORTS_PER_MINUTE, per_seconds: float = 60.0
) -> None:
    """Take one token of `key`'s bucket (refilled at `capacity` per `per_seconds`) in a unit of
    work of its own, so refused and failed requests use up the budget too; raise RateLimited
    (answered 429 with Retry-After) if empty."""
    async with session_scope() as session:
        await take_token(session, key, capacity=capacity, per=timedelta(seconds=per_seconds))
