"""What requests may carry: every model forbids unknown fields (a typo is a 422, not a
silent no-op); strings have lengths; the use cases check the meaning (numbers, names)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

Name = Field(min_length=1, max_length=80)
Phone = Field(min_length=1, max_length=32)


def _moment(value: datetime) -> datetime:
    """A time with its zone, that can be told in UTC (0001-01-01T00:00+01:00 cannot)."""
    if value.tzinfo is None:
        raise ValueError("needs a time zone, e.g. 2026-11-20T14:00:00+00:00")
    try:
        value.astimezone(UTC)
    except (OverflowError, ValueError):
        raise ValueError("is out of range") from None
    return value


Moment = Annotated[datetime, AfterValidator(_moment)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ContactIn(Strict):
    name: str = Name
    phones: list[str] = Field(min_length=1, max_length=10)
    external_id: str | None = Field(default=None, min_length=1, max_length=128)
    owner: str | None = Field(default=None, description="The owning agent's name.")
    line_type: Literal["mobile", "landline", "voip", "unknown"] = "unknown"


class ContactsIn(Strict):
    contacts: list[ContactIn] = Field(min_length=1, max_length=1000)


class ActivityIn(Strict):
    kind: Literal["call", "text", "email", "search_alert", "auto", "note"]
    direction: Literal["inbound", "outbound", "internal"]
    at: Moment
    agent: str | None = Field(default=None, max_length=80)
    detail: dict[str, Any] = Field(default_factory=dict)
    idempotency_key: str | None = Field(
        default=None,
        min_length=1,
        max_length=128,
        description="The CRM's id of this event: the same key twice is stored once.",
    )


class CallIn(Strict):
    to: str = Phone
    agent: str | None = Field(default=None, max_length=80, description="Whose phone rings first.")
    via: str | None = Field(
        default=None, max_length=32, description="The Smart Number to show instead."
    )


class TextIn(Strict):
    to: str = Phone
    body: str = Field(min_length=1, max_length=1600)
    agent: str | None = Field(default=None, max_length=80)
    anyway: bool = False
    no_wait: bool = False  # outside the recipient's texting window: refuse, do not queue


class TextAnswer(BaseModel):
    """What became of a text: queued (202), or refused or held (409) and why."""

    status: Literal["queued", "refused", "held"]
    text_id: int | None = None
    agent: str
    to: str
    reason: str | None = None
    suspended: bool = False
    waits_until: str | None = None  # quiet hours where it goes: when it will leave


class LiftIn(Strict):
    reason: str = Field(min_length=1, max_length=200)


class AgentIn(Strict):
    name: str = Name
    cell: str = Phone
    office: str | None = Field(default=None, max_length=80)
    team: str | None = Field(default=None, max_length=80)
    endpoint: str | None = Field(default=None, max_length=80, description="PJSIP/name")
    admin: bool = False
    email: str | None = Field(default=None, max_length=254)


class AgentChange(Strict):
    active: bool


class HandlingIn(Strict):
    """A Smart Number's call handling; only what is given changes."""

    forward_to: str | None = Field(default=None, max_length=32)
    no_forward: bool = False
    forward_when: Literal["no-answer", "always", "together"] | None = None
    timeout: int | None = Field(default=None, ge=5, le=120)
    voicemail: bool | None = None
    call_connect: bool | None = None
    pass_called_number: bool | None = None
    whisper: str | None = Field(default=None, max_length=200)
    no_whisper: bool = False
    record: bool | None = None
    record_consent: str | None = Field(default=None, max_length=200)
    no_record_consent: bool = False
    sms_carrier: str | None = Field(
        default=None, max_length=64, description="A carrier's name, or sip (the trunk)."
    )


class TextCodeIn(Strict):
    code: str = Field(min_length=1, max_length=32)
    reply: str = Field(min_length=1, max_length=480)
    agent: str | None = Field(default=None, max_length=80)
    number: str | None = Field(default=None, max_length=32)


class WebhookIn(Strict):
    url: str = Field(min_length=1, max_length=2000)
    events: list[str] = Field(min_length=1, max_length=20)
    agent: str | None = Field(default=None, max_length=80)


class ReplayIn(Strict):
    event_id: str | None = Field(default=None, max_length=64)
    since: Moment | None = None
    until: Moment | None = None
