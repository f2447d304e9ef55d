"""Care's errors."""

from __future__ import annotations

from linli.core.errors import NotFound


class ProfileNotFound(NotFound):
    """A care profile, or a monitor or alert of one, that does not exist or is out of reach."""
