"""Events bookings record: a waiting resident offered a freed time."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import ClassVar

from linli.core.events import Event


class BookingOffered(Event):
    """A cancelled booking's time was offered to the first resident waiting for it."""

    subject: ClassVar[str] = "booking.offered"

    booking_id: uuid.UUID
    facility_id: uuid.UUID
    account_id: uuid.UUID
    starts_at: datetime
    ends_at: datetime
    offer_expires_at: datetime
