"""What the webhooks take and answer: a generic JSON message, a Telegram-style bot update, the
keypad's JSON, and the results."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

MAX_TEXT = 1600  # ten SMS segments: anything longer is not a text message


class InboundJson(BaseModel):
    """One SMS or chat message, as a generic gateway posts it."""

    model_config = ConfigDict(populate_by_name=True, extra="ignore")

    message_id: str = Field(min_length=1, max_length=128, description="the gateway's id")
    sender: str = Field(
        alias="from", min_length=1, max_length=64, description="phone number or chat id"
    )
    text: str = Field(max_length=MAX_TEXT)
    language: str | None = Field(default=None, max_length=16, description="the app's hint")


class TelegramChat(BaseModel):
    id: int


class TelegramUser(BaseModel):
    language_code: str | None = Field(default=None, max_length=16)


class TelegramMessage(BaseModel):
    model_config = ConfigDict(populate_by_name=True, extra="ignore")

    message_id: int
    chat: TelegramChat
    sender: TelegramUser | None = Field(default=None, alias="from")
    text: str | None = Field(default=None, max_length=MAX_TEXT)


class TelegramUpdate(BaseModel):
    """A Telegram-style bot update: only text messages are read."""

    model_config = ConfigDict(extra="ignore")

    update_id: int
    message: TelegramMessage | None = None


class IvrJson(BaseModel):
    """One step of a call on the keypad, as a generic voice gateway posts it."""

    model_config = ConfigDict(populate_by_name=True, extra="ignore")

    call_id: str = Field(min_length=1, max_length=128)
    caller: str | None = Field(default=None, alias="from", max_length=64)
    digits: str | None = Field(default=None, max_length=32, pattern=r"^[0-9*#]*$")


class MessageResult(BaseModel):
    """What became of a message: answered, a replay of one already answered, or ignored."""

    action: Literal["answered", "replayed", "ignored"]
    replies: int = 0


class IvrPrompt(BaseModel):
    text: str
    language: str


class IvrGather(BaseModel):
    digits: int
    finish_on_key: str | None = None
    action: str


class IvrResult(BaseModel):
    """What the voice gateway says next, and whether it waits for keys or hangs up."""

    prompts: list[IvrPrompt]
    gather: IvrGather | None = None
    hangup: bool = False
