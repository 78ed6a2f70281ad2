"""The product's nouns as frozen dataclasses (SPEC section 1). No I/O here."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any


class Scope(StrEnum):
    OFFICE = "office"
    TEAM = "team"
    PERSONAL = "personal"


class ActivityKind(StrEnum):
    CALL = "call"
    TEXT = "text"
    EMAIL = "email"
    SEARCH_ALERT = "search_alert"
    AUTO = "auto"
    NOTE = "note"
    RECORDING = "recording"
    VOICEMAIL = "voicemail"


class Direction(StrEnum):
    INBOUND = "inbound"
    OUTBOUND = "outbound"
    INTERNAL = "internal"  # notes and system entries: neither to nor from the contact


class LineType(StrEnum):
    MOBILE = "mobile"
    LANDLINE = "landline"
    VOIP = "voip"
    UNKNOWN = "unknown"


class Subscription(StrEnum):
    SUBSCRIBED = "subscribed"
    UNSUBSCRIBED = "unsubscribed"


class RoutingMode(StrEnum):
    AGENT = "agent"
    RECEPTIONIST = "receptionist"
    GROUP = "group"
    ROUND_ROBIN = "round-robin"


@dataclass(frozen=True)
class NumberRouting:
    """How a number routes callers no agent is attached to (SPEC 3.4)."""

    mode: RoutingMode
    agent_ids: tuple[int, ...]
    last_agent_id: int | None = None  # round-robin: who got the previous call


class ForwardWhen(StrEnum):
    NO_ANSWER = "no-answer"  # after the agents' phones ring out
    ALWAYS = "always"  # instead of the agents' phones
    TOGETHER = "together"  # at the same time as the agents' phones; first to answer wins


@dataclass(frozen=True)
class CallHandling:
    """A Smart Number's call handling (SPEC section 4), kept in its settings."""

    forward_to: str | None = None  # E.164, United States or Canada only
    forward_when: ForwardWhen = ForwardWhen.NO_ANSWER
    timeout: int = 30  # seconds each stage rings
    voicemail: bool = False
    pass_called_number: bool = False  # show the Smart Number instead of the caller's
    call_connect: bool = False  # external legs must press 1
    whisper: str | None = None  # what the answering party hears: the text, or "file: NAME"
    whisper_prompt: str | None = None  # its audio: media.prompt_path(key)
    record: bool = False
    record_consent: str | None = None  # played to the caller before ringing, when recording
    consent_prompt: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "forward_to": self.forward_to,
            "forward_when": self.forward_when.value,
            "timeout": self.timeout,
            "voicemail": self.voicemail,
            "pass_called_number": self.pass_called_number,
            "call_connect": self.call_connect,
            "whisper": self.whisper,
            "whisper_prompt": self.whisper_prompt,
            "record": self.record,
            "record_consent": self.record_consent,
            "consent_prompt": self.consent_prompt,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> CallHandling:
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        if "forward_when" in known:
            known["forward_when"] = ForwardWhen(known["forward_when"])
        return cls(**known)


@dataclass(frozen=True)
class Office:
    id: int
    name: str


@dataclass(frozen=True)
class Team:
    id: int
    name: str
    office_id: int


@dataclass(frozen=True)
class Agent:
    id: int
    name: str
    cell: str
    endpoint: str | None  # "PJSIP/alice" or None
    office_id: int | None
    team_id: int | None
    active: bool
    admin: bool
    email: str | None = None
    sip_contact: str | None = None  # static contact (sip:host:port) instead of registration
    sip_secret: str | None = None

    @property
    def endpoint_name(self) -> str | None:
        """The pjsip endpoint section name: 'alice' for 'PJSIP/alice'."""
        return self.endpoint.split("/", 1)[1] if self.endpoint else None


@dataclass(frozen=True)
class Ring:
    """A phone to ring: an agent's SIP endpoint, or a number through the carrier trunk,
    whose answerer must press 1 first when `call_connect` is on. How Asterisk dials it is
    asterisk/dial.py's business."""

    endpoint: str | None = None  # "PJSIP/bob"
    number: str | None = None  # E.164, rung through the trunk
    call_connect: bool = False

    @classmethod
    def agent(cls, agent: Agent, *, call_connect: bool = False) -> Ring:
        """An agent's SIP phone if they have one, else their cell through the trunk."""
        if agent.endpoint:
            return cls(endpoint=agent.endpoint)
        return cls(number=agent.cell, call_connect=call_connect)

    def __str__(self) -> str:
        if self.endpoint:
            return self.endpoint
        return f"{self.number} (must press 1)" if self.call_connect else f"{self.number}"


@dataclass(frozen=True)
class CallOutcome:
    """How a call ended, as Asterisk reported it (asterisk/events.py, asterisk/cdr.py)."""

    status: str  # ANSWER, NOANSWER, BUSY, CANCEL, CHANUNAVAIL, CONGESTION, or ''
    answered_endpoint: str | None = None  # "PJSIP/bob": the agent phone that answered
    answered_number: str | None = None  # the external number that answered (cell, forward)
    talk_seconds: int | None = None

    @property
    def answered(self) -> bool:
        return self.status == "ANSWER"


@dataclass(frozen=True)
class SmartNumber:
    id: int
    e164: str
    scope: Scope
    office_id: int | None
    team_id: int | None
    agent_id: int | None
    primary: bool
    fallback_agent_id: int | None = None
    settings: dict[str, Any] = field(default_factory=dict)
    sms_carrier_id: int | None = None  # None: texts go as SIP MESSAGE over the trunk

    @property
    def handling(self) -> CallHandling:
        return CallHandling.from_dict(self.settings.get("call_handling", {}))


@dataclass(frozen=True)
class ContactPhone:
    e164: str
    subscription: Subscription = Subscription.SUBSCRIBED
    line_type: LineType = LineType.UNKNOWN


@dataclass(frozen=True)
class Contact:
    id: int
    name: str
    phones: tuple[ContactPhone, ...]
    owner_agent_id: int | None
    owner_team_id: int | None
    owner_office_id: int | None
    source: str
    created_at: datetime
    assigned_agent_id: int | None = None
    external_id: str | None = None  # the CRM's own id for this contact (API upserts by it)


class Detail:
    """Keys of an activity's free `detail` that code reads back (the spam detectors'
    history of texts reads TEXT and KEYWORD); everything else in `detail` is only shown.
    SQL never looks inside `detail`: what it filters on is a column (e.g. `peer`).
    Writers and the repository use these names, never the literals."""

    TEXT = "text"  # a text's words (texts, and notes)
    FROM = "from"  # who texted: the contact's number (inbound) or the Smart Number
    TO = "to"  # whom a text went to (outbound)
    KEYWORD = "keyword"  # opt-out, opt-in or help, for a text that was one
    REVOCATION = "revocation"  # a text that reads like a request to stop texting
    STATUS = "status"  # a call's or text's state (ringing, answered, queued, sent...)


@dataclass(frozen=True)
class Activity:
    id: int
    contact_id: int
    agent_id: int | None
    kind: ActivityKind
    direction: Direction
    at: datetime
    smart_number_id: int | None
    detail: dict[str, Any]
    external_id: str | None = None
    call_key: str | None = None  # a call's name in Asterisk's records (media id, c2c id)


class RecordingKind(StrEnum):
    RECORDING = "recording"  # a call's conversation (MixMonitor, while bridged)
    VOICEMAIL = "voicemail"  # a message left when nobody answered


@dataclass(frozen=True)
class Recording:
    id: str  # the file's stem: rec-<16 hex> or vm-<16 hex>
    kind: RecordingKind
    contact_id: int | None
    call_id: int | None
    smart_number_id: int | None
    path: str
    seconds: float
    created_at: datetime


@dataclass(frozen=True)
class CallerId:
    """An agent's own number, usable as caller ID once verified."""

    agent_id: int
    e164: str
    attempts: int
    verified_at: datetime | None
    in_use: bool


@dataclass(frozen=True)
class TextCode:
    code: str  # case-folded
    reply: str
    agent_id: int | None
    number_id: int | None
    created_at: datetime


@dataclass(frozen=True)
class Campaign:
    id: int
    brand: str
    use_case: str
    samples: tuple[str, ...]
    status: str  # pending | approved | rejected


@dataclass(frozen=True)
class Registration:
    """What a Smart Number has registered for texting."""

    campaign: Campaign | None
    tollfree_status: str | None  # pending | verified | rejected


@dataclass(frozen=True)
class CallerIdentity:
    """A Smart Number's SHAKEN/STIR and CNAM registrations."""

    shaken_status: str | None = None  # pending | approved | rejected
    attestation: str | None = None  # A | B | C
    cnam_name: str | None = None
    cnam_status: str | None = None  # pending | approved | rejected

    @property
    def caller_name(self) -> str | None:
        """The name outbound legs show: an approved CNAM's, else none."""
        return self.cnam_name if self.cnam_status == "approved" else None


@dataclass(frozen=True)
class Suspension:
    id: int
    agent_id: int
    pattern: str
    summary: str
    evidence: tuple[dict[str, str], ...]  # {at, lead, what}
    started_at: datetime
    ends_at: datetime
    lifted_at: datetime | None = None
    lifted_reason: str | None = None

    def active(self, now: datetime) -> bool:
        return self.lifted_at is None and self.started_at <= now < self.ends_at


@dataclass(frozen=True)
class Email:
    id: int
    to: str
    subject: str
    body: str
    attempts: int = 0
    sent_at: datetime | None = None
    last_error: str | None = None


@dataclass(frozen=True)
class Outgoing:
    """A text to send from a Smart Number."""

    sender: str  # the Smart Number (E.164)
    to: str  # E.164
    body: str
    purpose: str  # sent, forward, confirmation, help, auto-reply, lead-alert, not-delivered


class TextStatus(StrEnum):
    QUEUED = "queued"  # waiting in the outbox (Asterisk down, or not yet due)
    SENT = "sent"  # the carrier side (Asterisk's MessageSend) accepted it
    FAILED = "failed"  # given up: refused too often, or never deliverable in time
    CANCELLED = "cancelled"  # withdrawn before it went: the number opted out meanwhile
    REFUSED = "refused"  # never queued: an automatic text policy forbids it


@dataclass(frozen=True)
class QueuedText:
    """A text in the outbox."""

    id: int
    sender: str
    recipient: str
    body: str
    purpose: str
    status: TextStatus
    created_at: datetime
    not_before: datetime
    attempts: int = 0
    activity_id: int | None = None
    last_error: str | None = None
    sent_at: datetime | None = None
    carrier_id: int | None = None  # the HTTP carrier that took it (None: SIP MESSAGE)
    carrier_message_id: str | None = None  # its id there
    delivery: str | None = None  # how far it got: sent, delivered, failed, undelivered
    carrier_code: str | None = None  # the carrier's error code, if it gave one


class ConsentMethod(StrEnum):
    WEB_FORM = "web-form"
    TEXT_CODE = "text-code"
    VERBAL = "verbal"
    IMPORT = "import"


@dataclass(frozen=True)
class ConsentEvent:
    """One line of a number's consent ledger: a consent, an opt-out or an opt-in."""

    e164: str
    event: str  # consent | opt-out | opt-in
    at: datetime
    method: str = ""  # a ConsentMethod, for a consent
    evidence: str = ""


@dataclass(frozen=True)
class TextHold:
    """A number whose next text from an agent waits: the lead wrote something that may
    be a request to stop, and the agent must confirm they read it."""

    e164: str
    body: str
    rule: str
    at: datetime


@dataclass(frozen=True)
class InboundText:
    """A text as it arrived, kept in the inbox until (and after) it is handled."""

    id: int
    message_key: str
    smart_number: str
    sender: str  # the From URI's user part, unchecked ('' when there was none)
    from_header: str
    body: str
    content_length: int | None
    via: str  # agi | spool | inject | carrier
    received_at: datetime
    attempts: int = 0
    processed_at: datetime | None = None
    outcome: str | None = None
    carrier_id: int | None = None  # the carrier whose webhook brought it
    media: tuple[Media, ...] = ()  # an MMS's attachments, as the carrier listed them


@dataclass(frozen=True)
class CallRequest:
    """A click-to-call asked for over the HTTP API, kept until one routing service (any
    node's) claims it and places it: claimed once, for good, so placed at most once."""

    id: int
    call_key: str
    plan: dict[str, Any]  # calls/click_to_call.Plan, as plan_record() wrote it
    requested_at: datetime
    claimed_by: str | None = None
    done_at: datetime | None = None
    outcome: str | None = None  # how placing it ended, in words


@dataclass(frozen=True)
class Media:
    """An attachment of an inbound MMS: where the carrier keeps it, what it says it is."""

    url: str
    content_type: str = ""


class Role(StrEnum):
    """What an API token may do (SPEC 10)."""

    ADMIN = "admin"  # everything
    INTEGRATION = "integration"  # the CRM: contacts, activities, calls and texts for agents
    AGENT = "agent"  # one agent: their own contacts, calls and texts as themselves


@dataclass(frozen=True)
class ApiToken:
    """A bearer token of the HTTP API; only its hash is kept."""

    id: int
    name: str
    role: Role
    agent_id: int | None
    created_at: datetime
    revoked_at: datetime | None = None
    last_used_at: datetime | None = None


@dataclass(frozen=True)
class Webhook:
    """A subscription: events of these types are POSTed, signed, to url."""

    id: int
    url: str
    events: tuple[str, ...]
    secret: str  # whsec_... (Standard Webhooks)
    created_at: datetime
    agent_id: int | None = None  # only events about this agent
    active: bool = True
    disabled_reason: str | None = None
    failures: int = 0  # attempts failed in a row (a success resets it)
    paused_until: datetime | None = None  # a receiver that keeps failing rests till then

    def wants(self, event_type: str, agent_id: int | None) -> bool:
        """Is an event of this type, about this agent, one this subscription asked for?"""
        return event_type in self.events and self.agent_id in (None, agent_id)


@dataclass(frozen=True)
class WebhookEvent:
    """One thing that happened, as receivers get it: `payload` is the body, byte for byte."""

    id: int
    event_id: str  # the webhook-id header: the same on every attempt and replay
    type: str
    at: datetime
    payload: str
    contact_id: int | None = None
    agent_id: int | None = None

    @property
    def ordering_key(self) -> str:
        return ordering_key(self.contact_id, self.agent_id)


def ordering_key(contact_id: int | None, agent_id: int | None) -> str:
    """Events about one contact reach a receiver in order; so do those about one agent."""
    if contact_id is not None:
        return f"contact:{contact_id}"
    if agent_id is not None:
        return f"agent:{agent_id}"
    return "system"


class DeliveryStatus(StrEnum):
    PENDING = "pending"
    DELIVERED = "delivered"
    FAILED = "failed"  # every attempt failed
    DROPPED = "dropped"  # the subscription was disabled or removed before it went


@dataclass(frozen=True)
class WebhookDelivery:
    """One event on its way to one subscription."""

    id: int
    event: WebhookEvent
    webhook_id: int
    status: DeliveryStatus
    attempts: int
    next_attempt_at: datetime
    last_status: int | None = None  # the receiver's HTTP status, if it answered
    last_error: str | None = None
    delivered_at: datetime | None = None


class CarrierKind(StrEnum):
    SIP = "sip"  # SIP MESSAGE through Asterisk and the trunk
    TELNYX = "telnyx"  # Telnyx Messages API, Ed25519-signed webhooks
    TWILIO = "twilio"  # Twilio Messages resource, HMAC-SHA1-signed webhooks


@dataclass(frozen=True)
class Carrier:
    """Who carries a Smart Number's texts, and the credentials to reach them."""

    id: int
    name: str
    kind: CarrierKind
    created_at: datetime
    api_url: str = ""
    api_key: str = ""  # Telnyx (secret)
    public_key: str = ""  # Telnyx: verifies its webhooks (not secret)
    account_sid: str = ""  # Twilio
    auth_token: str = ""  # Twilio (secret): authenticates us and signs its webhooks
    media_hosts: tuple[str, ...] = ()  # MMS attachments come only from these (): its kind's
