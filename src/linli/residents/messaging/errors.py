"""Messaging's errors: a webhook's caller that is not a configured gateway, a bad signature."""

from __future__ import annotations

from linli.core.errors import Forbidden, Unauthenticated


class UnknownGateway(Forbidden):
    """No gateway of this name may post to this webhook."""

    code = "gateway_unknown"


class BadSignature(Unauthenticated):
    """The webhook's signature or secret is missing or wrong."""

    code = "bad_signature"
