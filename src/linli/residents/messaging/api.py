"""Messaging webhooks: SMS and chat messages in, the hotline keypad's steps; each gateway proves
itself with its shared secret (see `webhooks`), and replies leave through the outbound gateways."""

from __future__ import annotations

from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Depends, Header, Query, Request, Response
from pydantic import BaseModel, ValidationError

from linli.core.errors import ValidationFailed
from linli.core.schemas import Key, Secret
from linli.core.settings import get_settings
from linli.residents.messaging import ivr, service, webhooks
from linli.residents.messaging.schemas import (
    MAX_TEXT,
    InboundJson,
    IvrGather,
    IvrJson,
    IvrPrompt,
    IvrResult,
    MessageResult,
    TelegramUpdate,
)
from linli.security.deps import DbSession, credentials_checked, public

router = APIRouter(prefix="/api/messaging", tags=["messaging"], dependencies=[Depends(public)])

REFUSED: dict[int | str, dict[str, Any]] = {
    401: {"description": "No signature or secret, or a wrong one"},
    403: {"description": "No gateway of this name is configured"},
}
TWIML = "application/xml"
M = TypeVar("M", bound=BaseModel)


def _parse(model: type[M], body: bytes) -> M:
    try:
        return model.model_validate_json(body)
    except ValidationError as err:
        raise ValidationFailed(
            f"not a message this webhook reads: {err.errors()[0]['msg']}", code="bad_message"
        ) from err


async def _form(request: Request) -> dict[str, str]:
    form = await request.form()
    fields = {k: v for k, v in form.items() if isinstance(v, str)}
    for key, value in fields.items():
        if len(key) > 64 or len(value) > MAX_TEXT:
            raise ValidationFailed(f"the form field {key[:64]!r} is too long", code="bad_message")
    return fields


def _signed_url(request: Request) -> str:
    """Return the URL the gateway was given for this webhook (the site's public address)."""
    query = f"?{request.url.query}" if request.url.query else ""
    return f"{get_settings().base_url.rstrip('/')}{request.url.path}{query}"


def _field(fields: dict[str, str], name: str, *, limit: int = 128) -> str:
    value = fields.get(name, "").strip()
    if not value or len(value) > limit:
        raise ValidationFailed(f"the form field {name} is missing or too long", code="bad_message")
    return value


async def _receive(
    request: Request,
    session: DbSession,
    channel: str,
    gateway: str,
    signature: str | None,
    telegram_token: str | None,
) -> MessageResult | Response:
    with credentials_checked(request, f"messaging-{channel}"):
        config = webhooks.gateway_of(channel, gateway)
        if config.kind == "twilio":
            fields = await _form(request)
            webhooks.check_twilio(config, _signed_url(request), fields, signature)
        elif config.kind == "telegram":
            webhooks.check_telegram(config, telegram_token)
        else:
            webhooks.check_json(config, await request.body(), signature)
    if config.kind == "twilio":
        message = service.Inbound(
            channel, gateway, _field(fields, "MessageSid"), _field(fields, "From", limit=64),
            fields.get("Body", ""),
        )  # fmt: skip
    elif config.kind == "telegram":
        update = _parse(TelegramUpdate, await request.body())
        if update.message is None or not update.message.text:
            return MessageResult(action="ignored")
        hint = update.message.sender.language_code if update.message.sender else None
        message = service.Inbound(
            channel, gateway, str(update.update_id), str(update.message.chat.id),
            update.message.text, hint,
        )  # fmt: skip
    else:
        data = _parse(InboundJson, await request.body())
        message = service.Inbound(channel, gateway, data.message_id, data.sender, data.text,
                                  data.language)  # fmt: skip
    if not message.text.strip():
        return MessageResult(action="ignored")
    await service.spend_rate(channel, message.address)
    received = await service.receive_message(session, message)
    action = "replayed" if received.replayed else "answered"
    if config.kind == "twilio":  # the replies go out through the SMS gateway, not in the answer
        return Response(b'<?xml version="1.0" encoding="UTF-8"?><Response/>', media_type=TWIML)
    return MessageResult(action=action, replies=received.replies)


@router.post("/sms/{gateway}", responses=REFUSED)
async def receive_sms(
    gateway: Key,
    request: Request,
    session: DbSession,
    x_linli_signature: Annotated[Secret | None, Header()] = None,
    x_twilio_signature: Annotated[Secret | None, Header()] = None,
) -> MessageResult:
    """Take one SMS from gateway `gateway` (a signed JSON message or Twilio-style form)."""
    signature = x_twilio_signature or x_linli_signature
    result = await _receive(request, session, "sms", gateway, signature, None)
    return result  # type: ignore[return-value]  # TwiML for a Twilio-style gateway


@router.post("/chat/{gateway}", responses=REFUSED)
async def receive_chat(
    gateway: Key,
    request: Request,
    session: DbSession,
    x_linli_signature: Annotated[Secret | None, Header()] = None,
    x_telegram_bot_api_secret_token: Annotated[Secret | None, Header()] = None,
) -> MessageResult:
    """Take one chat message (a signed JSON message, or a Telegram-style bot update)."""
    result = await _receive(
        request, session, "chat", gateway, x_linli_signature, x_telegram_bot_api_secret_token
    )
    return result  # type: ignore[return-value]


@router.post("/ivr/{gateway}", responses=REFUSED)
async def ivr_step(
    gateway: Key,
    request: Request,
    session: DbSession,
    lang: Annotated[str | None, Query(max_length=16, pattern=r"^[A-Za-z_]+$")] = None,
    x_linli_signature: Annotated[Secret | None, Header()] = None,
    x_twilio_signature: Annotated[Secret | None, Header()] = None,
) -> IvrResult:
    """Answer one keypad step of a hotline call (JSON prompts, or TwiML for Twilio-style).

    The steps: the language menu, the case reference's digits, the case's status."""
    with credentials_checked(request, "messaging-ivr"):
        config = webhooks.gateway_of("ivr", gateway)
        if config.kind == "twilio":
            fields = await _form(request)
            webhooks.check_twilio(config, _signed_url(request), fields, x_twilio_signature)
        else:
            webhooks.check_json(config, await request.body(), x_linli_signature)
    if config.kind == "twilio":
        caller, digits = fields.get("From") or None, fields.get("Digits") or None
        if digits is not None and (len(digits) > 32 or not digits.strip("0123456789*#") == ""):
            raise ValidationFailed("Digits holds keypad keys only", code="bad_message")
    else:
        data = _parse(IvrJson, await request.body())
        caller, digits = data.caller, data.digits
    if caller is not None:
        await service.spend_rate("ivr", caller)
    step = await service.answer_call(session, lang=lang, digits=digits, caller=caller)
    action = f"{request.url.path}?lang={step.lang}" if step.lang else request.url.path
    if config.kind == "twilio":
        return Response(ivr.twiml(step, action), media_type=TWIML)  # type: ignore[return-value]
    return IvrResult(
        prompts=[IvrPrompt(text=p.text, language=p.locale) for p in step.prompts],
        gather=IvrGather(digits=step.gather, finish_on_key="#" if step.gather > 1 else None,
                         action=action) if step.gather else None,
        hangup=step.hangup,
    )  # fmt: skip
