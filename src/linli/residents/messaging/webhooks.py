"""Who may post to a webhook: a gateway named in the settings, proving itself with its shared
secret — an HMAC-SHA256 of the JSON body, Twilio's signature of the URL and form fields, or a
Telegram bot's secret token header. Anything else is refused before a byte is read as data."""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Mapping

from linli.residents.messaging.config import Webhook, get_messaging_settings
from linli.residents.messaging.errors import BadSignature, UnknownGateway

SIGNATURE_HEADER = "X-Linli-Signature"
TWILIO_HEADER = "X-Twilio-Signature"
TELEGRAM_HEADER = "X-Telegram-Bot-Api-Secret-Token"


def gateway_of(channel: str, name: str) -> Webhook:
    """Return the settings of gateway `name` of `channel` ("sms", "chat", "ivr"), or refuse."""
    settings = get_messaging_settings()
    table: Mapping[str, Webhook] = {"sms": settings.sms, "chat": settings.chat,
                                    "ivr": settings.ivr}.get(channel, {})  # fmt: skip
    found = table.get(name)
    if found is None:
        raise UnknownGateway(f"no {channel} gateway '{name}' is configured")
    return found


def sign_json(secret: str, body: bytes) -> str:
    """Return the `X-Linli-Signature` value of a JSON body."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def sign_twilio(secret: str, url: str, params: Mapping[str, str]) -> str:
    """Return Twilio's signature of a form post: HMAC-SHA1 of the URL and the sorted fields."""
    data = url + "".join(f"{key}{params[key]}" for key in sorted(params))
    digest = hmac.new(secret.encode(), data.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def _same(expected: str, given: str | None) -> None:
    if not given or not hmac.compare_digest(expected.encode(), given.strip().encode()):
        raise BadSignature("the webhook's signature is missing or wrong")


def check_json(gateway: Webhook, body: bytes, signature: str | None) -> None:
    """Refuse a JSON post whose `X-Linli-Signature` is not the HMAC of its body."""
    _same(sign_json(gateway.secret, body), signature)


def check_twilio(
    gateway: Webhook, url: str, params: Mapping[str, str], signature: str | None
) -> None:
    """Refuse a form post whose `X-Twilio-Signature` does not sign its URL and fields."""
    _same(sign_twilio(gateway.secret, url, params), signature)


def check_telegram(gateway: Webhook, token: str | None) -> None:
    """Refuse a bot update without the bot's secret token."""
    _same(gateway.secret, token)
