"""The install's Web Push identity: the VAPID public key browsers subscribe with."""

from __future__ import annotations

import base64

from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from py_vapid import Vapid

from linli.core.errors import NotFound
from linli.rules.notifications.config import NotifySettings


class PushNotConfigured(NotFound):
    """The install has no VAPID key: browsers cannot subscribe to Web Push."""

    code = "push_not_configured"
    title = "Web Push is not configured"


def public_key(settings: NotifySettings) -> str:
    """Return the base64url VAPID public key matching `LINLI_NOTIFY_VAPID_PRIVATE_KEY`."""
    private = (settings.vapid_private_key or "").strip()
    if not private:
        raise PushNotConfigured("this install has no VAPID key (LINLI_NOTIFY_VAPID_PRIVATE_KEY)")
    try:
        if private.startswith("-----BEGIN"):
            vapid = Vapid.from_pem(private.encode())
        else:
            vapid = Vapid.from_string(private)
        raw = vapid.public_key.public_bytes(Encoding.X962, PublicFormat.UncompressedPoint)
    except (ValueError, TypeError) as err:
        raise PushNotConfigured("the VAPID key cannot be read") from err
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")
