"""The hotline's keypad: a caller chooses a language ("press 1 for English, 2 for 中文…"), keys
in a case reference's 12 digits and hears its status in plain words, or that it was not found.
Each step answers what to say and whether to wait for keys; the gateway calls back with them."""

from __future__ import annotations

from dataclasses import dataclass, field
from xml.etree import ElementTree as ET

from sqlalchemy.ext.asyncio import AsyncSession

from linli.core import i18n
from linli.residents.messaging import engine, language
from linli.residents.messaging import wording as w
from linli.residents.messaging.models import Conversation

KEYS = {"1": "en", "2": "zh_Hans", "3": "ms", "4": "ta"}
# The voices' language codes (Twilio's <Say language>); others read `i18n.html_lang`.
VOICE = {"en": "en-GB", "zh_Hans": "cmn-CN", "ms": "ms-MY", "ta": "ta-IN"}
REF_DIGITS = 12


@dataclass(frozen=True, slots=True)
class Prompt:
    text: str
    locale: str


@dataclass
class Step:
    """What the call hears next: prompts, then keys awaited (`gather`, sent back with `lang`)
    or a hang-up."""

    prompts: list[Prompt] = field(default_factory=list)
    gather: int | None = None
    lang: str | None = None
    hangup: bool = False


def _menu() -> Step:
    prompts = [Prompt(w.say(loc, text), loc) for loc, text in w.IVR_MENU.items()]
    return Step(prompts, gather=1)


def _ask(locale: str) -> Step:
    return Step([Prompt(w.say(locale, w.IVR_ASK_REF), locale)], gather=REF_DIGITS, lang=locale)


async def answer_call(
    session: AsyncSession,
    *,
    lang: str | None,
    digits: str | None,
    caller: Conversation | None,
) -> Step:
    """Return the call's next step from the language chosen so far and the keys just pressed;
    `caller`: the caller's SMS conversation, whose followed cases they may hear of too."""
    digits = (digits or "").strip()
    locale = lang if lang in KEYS.values() else None
    if locale is None:
        chosen = KEYS.get(digits[:1])
        return _menu() if chosen is None else _ask(chosen)
    ref = language.reference_of_digits(digits)
    if ref is None:
        return _ask(locale)
    case = await engine.visible_case(session, caller, ref)
    if case is None:
        text = w.say(locale, w.IVR_NOT_FOUND)
    else:
        status = w.status_words(locale, case.status)
        text = w.say(locale, w.IVR_STATUS, ref=" ".join(digits[:REF_DIGITS]), status=status)
    return Step([Prompt(text, locale), Prompt(w.say(locale, w.IVR_GOODBYE), locale)],
                hangup=True)  # fmt: skip


def voice(locale: str) -> str:
    """Return the voice's language code for `locale`."""
    return VOICE.get(locale, i18n.html_lang(locale))


def twiml(step: Step, action: str) -> bytes:
    """Return the step as TwiML: `<Say>`s, inside a `<Gather>` when keys are awaited."""
    response = ET.Element("Response")
    parent = response
    if step.gather is not None:
        parent = ET.SubElement(
            response, "Gather", numDigits=str(step.gather), action=action, method="POST",
            finishOnKey="#",
        )  # fmt: skip
    for prompt in step.prompts:
        ET.SubElement(parent, "Say", language=voice(prompt.locale)).text = prompt.text
    if step.hangup:
        ET.SubElement(response, "Hangup")
    head = b'<?xml version="1.0" encoding="UTF-8"?>'
    return head + ET.tostring(response, encoding="unicode").encode()
