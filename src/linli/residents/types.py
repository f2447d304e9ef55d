"""Who a resident is to every resident-facing action: the actor, the level of verification it
has reached, and what an action needs (`Need`).

Every resident action in any domain takes a `ResidentActor` (from the HTTP dependency
`linli.residents.deps.resident(NEED)`, an SMS conversation or a staff member entering on a
resident's behalf) and checks it with `ResidentActor.require(need)` in its service.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from enum import IntEnum

from linli.core.errors import Forbidden
from linli.core.i18n import N_


class Level(IntEnum):
    """How far a resident's account is verified, weakest first; each includes those below."""

    SIGNED_IN = 0  # a contact (e-mail or phone) confirmed by a one-time code
    PHONE = 1  # a mobile number confirmed by a code sent to it
    REGISTRY = 2  # matched to the household registry: name + unit + ID-number suffix
    IN_PERSON = 3  # confirmed in person by a staff member


LEVEL_LABELS: dict[Level, str] = {
    Level.SIGNED_IN: N_("Signed in"),
    Level.PHONE: N_("Phone confirmed"),
    Level.REGISTRY: N_("Verified resident"),
    Level.IN_PERSON: N_("Verified in person"),
}


@dataclass(frozen=True, slots=True)
class Need:
    """What an action asks of the resident: a level, and optionally a home within an org
    subtree (`area_path`, an org unit's path such as a town's), e.g. only verified residents of
    the town vote on its budget."""

    level: Level = Level.SIGNED_IN
    area_path: str | None = None


@dataclass(frozen=True, slots=True)
class ResidentActor:
    """A signed-in resident, or someone acting for one with recorded consent.

    `account_id`, `level`, `org_path`, `building_id` and `locale` are those of the resident the
    action is for; when a family member or volunteer acts for a senior, `proxy_account_id` is the
    one who acts and `consent_id` the consent it rests on."""

    account_id: uuid.UUID
    level: Level
    org_path: str | None  # the home's deepest org unit path, once the home is known
    building_id: uuid.UUID | None = None
    locale: str = "en"
    proxy_account_id: uuid.UUID | None = None
    consent_id: uuid.UUID | None = None

    @property
    def actor(self) -> str:
        """Return the name written to timelines and the audit log; a proxy action says so."""
        own = f"resident:{self.account_id}"
        if self.proxy_account_id is None:
            return own
        return f"resident:{self.proxy_account_id} for {own}"

    @property
    def is_proxy(self) -> bool:
        return self.proxy_account_id is not None

    def meets(self, need: Need) -> bool:
        """Return whether this resident satisfies `need`."""
        if self.level < need.level:
            return False
        if need.area_path is None:
            return True
        return self.org_path is not None and self.org_path.startswith(need.area_path)

    def require(self, need: Need) -> None:
        """Raise Forbidden, with a reason a resident can act on, unless `need` is met."""
        if self.level < need.level:
            raise Forbidden(
                f"this needs an account verified to the level '{need.level.name.lower()}'",
                code="verification_needed",
            )
        if not self.meets(need):
            raise Forbidden("this is only for residents of its area", code="outside_area")
