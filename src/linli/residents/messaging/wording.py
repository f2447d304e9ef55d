"""The words of every reply, short enough for a text message, in the resident's language."""

from __future__ import annotations

from linli.core import i18n
from linli.core.i18n import N_

ASK_PLACE = N_("Where is it? Reply with the block number, building code or postcode.")
PLACE_NOT_FOUND = N_(
    "We could not find that place. Reply with a block number, building code or postcode, or CANCEL."
)
PLACE_SEVERAL = N_("Which one: %(places)s? Reply with its code.")
ASK_SAME = N_("Is this the same as %(ref)s (%(kind)s, %(distance)d m away)? Reply 1 yes / 2 no.")
ASK_YES_NO = N_("Please reply 1 (yes, the same problem) or 2 (no, report it anew).")
FILED = N_("Thank you. Your report is %(ref)s. Text %(ref)s or STATUS for news.")
JOINED = N_("Thank you. You joined %(ref)s, already reported. Text %(ref)s or STATUS for news.")
STATUS = N_("%(ref)s: %(status)s (%(when)s).")
NOT_FOUND = N_("We found no case %(ref)s.")
NOTHING_FOLLOWED = N_("You have no reports yet. Text us what is wrong and where.")
CANCELLED = N_("Your unfinished report was dropped.")
NO_TRIAGE = N_("Sorry, reports by text are not taken right now. Please call the hotline.")
HELP = N_(
    "Text what is wrong and where. Text a case reference or STATUS for news. "
    "Language: %(languages)s."
)
LANGUAGES = "EN, 中文, BM, TAMIL"  # the keywords that choose one (`language.LANGUAGE_KEYWORDS`)
LANGUAGE_SET = N_("Linli will write to you in English.")
FIXED = N_("%(ref)s has been fixed. Thank you for reporting. Text %(ref)s for its status.")
NEWS = N_("%(ref)s: %(status)s.")

STATUS_WORDS = {
    "reported": N_("received"),
    "registered": N_("registered"),
    "dispatched": N_("sent to the team responsible"),
    "accepted": N_("accepted by the team"),
    "in_progress": N_("being worked on"),
    "handled": N_("reported fixed, being checked"),
    "verified": N_("fix checked"),
    "closed": N_("closed"),
    "rejected": N_("closed without action"),
    "returned": N_("being passed to the right team"),
}

IVR_MENU = {
    "en": N_("For English, press 1."),
    "zh_Hans": N_("For Chinese, press 2."),
    "ms": N_("For Malay, press 3."),
    "ta": N_("For Tamil, press 4."),
}
IVR_ASK_REF = N_("Key in the 12 digits of your case reference, then press hash.")
IVR_STATUS = N_("Case %(ref)s is %(status)s.")
IVR_NOT_FOUND = N_("We found no case with that number.")
IVR_GOODBYE = N_("Thank you for calling. Goodbye.")


def say(locale: str, message: str, **params: object) -> str:
    """Return `message` in `locale`, its parameters filled in."""
    text = i18n.translations(locale).gettext(message)
    return text % params if params else text


def status_words(locale: str, status: str) -> str:
    """Return a case status in plain words of `locale`."""
    return say(locale, STATUS_WORDS.get(status, status))
