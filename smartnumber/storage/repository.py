"""The storage interface: what the rest of smartnumber may ask of a database.

SQLite (storage/sqlite/) and PostgreSQL (storage/postgres/) implement it, both with
the statements of storage/sql/. Callers get a Repository inside `Store.transaction()`:
one transaction per CLI command or AGI request, committed when the block ends, rolled
back on error.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from ..model import (
    Activity,
    ActivityKind,
    Agent,
    ApiToken,
    CallerId,
    CallerIdentity,
    CallRequest,
    Campaign,
    Carrier,
    CarrierKind,
    ConsentEvent,
    Contact,
    ContactPhone,
    Direction,
    Email,
    InboundText,
    LineType,
    Media,
    NumberRouting,
    Office,
    QueuedText,
    Recording,
    Registration,
    Role,
    RoutingMode,
    Scope,
    SmartNumber,
    Suspension,
    Team,
    TextCode,
    TextHold,
    TextStatus,
    Webhook,
    WebhookDelivery,
    WebhookEvent,
)


@dataclass(frozen=True)
class NewAgent:
    name: str
    cell: str
    endpoint: str | None = None
    office_id: int | None = None
    team_id: int | None = None
    admin: bool = False
    email: str | None = None
    sip_contact: str | None = None
    sip_secret: str | None = None


@dataclass(frozen=True)
class NewSmartNumber:
    e164: str
    scope: Scope
    owner_id: int  # office, team or agent id, by scope
    primary: bool = False
    fallback_agent_id: int | None = None
    settings: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class NewContact:
    name: str
    phones: tuple[ContactPhone, ...]
    created_at: datetime
    owner_agent_id: int | None = None
    owner_team_id: int | None = None
    owner_office_id: int | None = None
    source: str = "manual"
    external_id: str | None = None


@dataclass(frozen=True)
class NewActivity:
    contact_id: int
    kind: ActivityKind
    direction: Direction
    at: datetime
    agent_id: int | None = None
    smart_number_id: int | None = None
    detail: dict[str, Any] = field(default_factory=dict)
    external_id: str | None = None
    call_key: str | None = None  # how Asterisk's records name the call (calls only)
    peer: str | None = None  # the number on the other side (texts only)


@dataclass(frozen=True)
class NewText:
    """A text to put in the outbox."""

    sender: str
    recipient: str
    body: str
    purpose: str
    created_at: datetime
    activity_id: int | None = None
    status: TextStatus = TextStatus.QUEUED
    reason: str | None = None  # why it is refused, for a refused one
    not_before: datetime | None = None  # not delivered before (quiet hours); None: at once


@dataclass(frozen=True)
class NewInboundText:
    """An inbound text to keep in the inbox."""

    message_key: str
    smart_number: str
    sender: str
    from_header: str
    body: str
    content_length: int | None
    via: str
    received_at: datetime
    carrier_id: int | None = None
    media: tuple[Media, ...] = ()


@dataclass(frozen=True)
class SentText:
    """A text an agent sent (the spam detectors' history)."""

    at: datetime
    to: str
    body: str


@dataclass(frozen=True)
class ReceivedText:
    """A text received from a number, and the keyword it was, if one."""

    at: datetime
    sender: str
    keyword: str | None


@dataclass(frozen=True)
class LatestActivity:
    """The newest qualifying activity among some contacts (for inbound routing)."""

    activity_id: int
    contact_id: int
    agent_id: int
    kind: ActivityKind
    at: datetime


@dataclass(frozen=True)
class CallRecords:
    """What deciding a call to a Smart Number reads, all at once (RoutingReads)."""

    number: SmartNumber | None  # None: not a Smart Number here
    contacts: list[Contact]  # those with the caller's number, by id
    latest_conversation: LatestActivity | None  # as Contacts.latest_conversation says
    latest_outbound: LatestActivity | None
    routing: NumberRouting | None
    team_office_id: int | None  # the office of the number's team (its fallback's office)
    admins: list[Agent]  # the active admins, by id
    agents: dict[int, Agent]  # by id: the admins, and every agent the records above name
    identity: CallerIdentity = field(default_factory=CallerIdentity)  # SHAKEN/STIR, CNAM
    allow_us_territories: str | None = None  # that setting as stored; None: not stored


@dataclass(frozen=True)
class NewCarrier:
    name: str
    kind: CarrierKind
    created_at: datetime
    api_url: str = ""
    api_key: str = ""
    public_key: str = ""
    account_sid: str = ""
    auth_token: str = ""
    media_hosts: tuple[str, ...] = ()


@dataclass(frozen=True)
class NewApiToken:
    name: str
    role: Role
    token_hash: str
    created_at: datetime
    agent_id: int | None = None


@dataclass(frozen=True)
class NewWebhook:
    url: str
    events: tuple[str, ...]
    secret: str
    created_at: datetime
    agent_id: int | None = None


@dataclass(frozen=True)
class NewWebhookEvent:
    event_id: str
    type: str
    at: datetime
    payload: str
    contact_id: int | None = None
    agent_id: int | None = None


class Organisation(Protocol):
    """Offices, teams, agents, Smart Numbers and their routing, agents' verified caller IDs."""

    # offices and teams
    async def add_office(self, name: str) -> Office: ...

    async def office_by_name(self, name: str) -> Office | None: ...

    async def office_by_id(self, office_id: int) -> Office | None: ...

    async def list_offices(self) -> list[Office]: ...

    async def add_team(self, name: str, office_id: int) -> Team: ...

    async def team_by_name(self, name: str) -> Team | None: ...

    async def team_by_id(self, team_id: int) -> Team | None: ...

    async def list_teams(self) -> list[Team]: ...

    # agents
    async def add_agent(self, agent: NewAgent) -> Agent: ...

    async def agent_by_name(self, name: str) -> Agent | None: ...

    async def agent_by_id(self, agent_id: int) -> Agent | None: ...

    async def agent_by_endpoint(self, endpoint: str) -> Agent | None: ...

    async def agent_by_cell(self, e164: str) -> Agent | None:
        """The agent whose cell this is (the first, should two share one)."""
        ...

    async def list_agents(self) -> list[Agent]: ...

    async def agents_by_ids(self, agent_ids: Sequence[int]) -> list[Agent]: ...

    async def active_admins(self) -> list[Agent]:
        """Active company admins, oldest first."""
        ...

    async def set_agent_active(self, agent_id: int, active: bool) -> None: ...

    # smart numbers
    async def add_number(self, number: NewSmartNumber) -> SmartNumber: ...

    async def number_by_e164(self, e164: str) -> SmartNumber | None: ...

    async def number_by_id(self, number_id: int) -> SmartNumber | None: ...

    async def list_numbers(self) -> list[SmartNumber]: ...

    async def numbers_owned(self, scope: Scope, owner_id: int) -> list[SmartNumber]: ...

    async def set_primary_number(self, number: SmartNumber) -> None: ...

    async def set_number_settings(self, number_id: int, settings: dict[str, Any]) -> None: ...

    async def number_routing(self, number_id: int) -> NumberRouting | None: ...

    async def set_number_routing(
        self, number_id: int, mode: RoutingMode, agent_ids: Sequence[int]
    ) -> None: ...

    async def advance_round_robin(
        self, number_id: int, expected: int | None, agent_id: int
    ) -> bool:
        """Give `agent_id` the number's round-robin turn, if the last turn is still
        `expected` (compare-and-set): False when another call took a turn meanwhile."""
        ...


class Contacts(Protocol):
    """Contacts, their phones and ownership, and their timelines."""

    # contacts
    async def add_contact(self, contact: NewContact) -> Contact: ...

    async def contact_by_id(self, contact_id: int) -> Contact | None: ...

    async def contacts_by_phone(self, e164: str) -> list[Contact]: ...

    async def contacts_by_ids(self, contact_ids: Sequence[int]) -> list[Contact]: ...

    async def list_contacts(
        self, limit: int, offset: int = 0, *, after_id: int = 0
    ) -> list[Contact]:
        """By id; `after_id` pages on from a contact (cheaper than an offset)."""
        ...

    async def contact_by_external_id(self, external_id: str) -> Contact | None: ...

    async def agent_contacts(self, agent_id: int, limit: int, after_id: int = 0) -> list[Contact]:
        """Contacts the agent owns or is assigned, by id."""
        ...

    async def update_contact(
        self, contact_id: int, *, name: str, external_id: str | None
    ) -> None: ...

    async def add_contact_phones(self, contact_id: int, phones: Sequence[ContactPhone]) -> None:
        """Add numbers the contact does not have yet (those it has are left as they are)."""
        ...

    async def set_contact_ownership(
        self,
        contact_id: int,
        *,
        owner_agent_id: int | None,
        owner_team_id: int | None,
        owner_office_id: int | None,
        assigned_agent_id: int | None,
    ) -> None: ...

    # the timeline
    async def add_activity(self, activity: NewActivity) -> Activity | None:
        """Store an activity; None when its external_id was already imported."""
        ...

    async def timeline(
        self, contact_ids: Sequence[int], limit: int, before_id: int | None = None
    ) -> list[Activity]:
        """Newest first; with before_id, the page after that activity (older ones)."""
        ...

    async def activity_by_external_id(self, external_id: str) -> Activity | None: ...

    async def activity_by_id(self, activity_id: int) -> Activity | None: ...

    async def activity_to_change(self, activity_id: int) -> Activity | None:
        """The entry, held until this transaction ends: another transaction that reads
        it to change it waits, then reads what this one wrote (read, then
        update_activity, without losing either's change)."""
        ...

    async def texting_activities(
        self, start: datetime, end: datetime, after_id: int, limit: int
    ) -> list[Activity]:
        """Texts and notes from start to end (exclusive), oldest first; those at `start`
        only with an id above after_id (the compliance report pages through them)."""
        ...

    async def activity_by_call_key(self, call_key: str) -> Activity | None: ...

    async def call_to_change(self, call_key: str) -> Activity | None:
        """The entry of the call with this key, held as activity_to_change holds it."""
        ...

    async def update_activity(
        self, activity_id: int, agent_id: int | None, detail: dict[str, Any]
    ) -> None: ...

    async def latest_conversation(
        self, contact_ids: Sequence[int], since: datetime
    ) -> LatestActivity | None:
        """Newest call or text with an agent since the given time (ties: newest id)."""
        ...

    async def latest_outbound(self, contact_ids: Sequence[int]) -> LatestActivity | None:
        """Newest outbound activity of any kind with an agent (ties: newest id)."""
        ...

    # agents' own verified caller IDs
    async def caller_id_attempted(self, agent_id: int, e164: str) -> None:
        """Count one verification call to this number (adding the number if new)."""
        ...

    async def caller_id_verified(self, agent_id: int, e164: str, at: datetime) -> None: ...

    async def caller_ids(self, agent_id: int) -> list[CallerId]: ...

    async def use_caller_id(self, agent_id: int, e164: str | None) -> None:
        """Show this verified number on the agent's calls; None: their Smart Number."""
        ...


class Texting(Protocol):
    """Texts in and out: the inbox, the outbox, email notices, suspensions, the consent
    ledger, revocation."""

    # texting
    async def opted_out(self, e164: str) -> bool: ...

    async def set_opted_out(self, e164: str, out: bool, at: datetime, evidence: str = "") -> None:
        """Record an opt-out (out) or an opt-in at `at`; contacts' phones follow, and the
        number's consent ledger keeps it (with `evidence`: the words, or the code)."""
        ...

    async def add_text_code(self, code: TextCode) -> None: ...

    async def text_code(self, code: str) -> TextCode | None: ...

    async def text_codes(self) -> list[TextCode]: ...

    async def remove_text_code(self, code: str) -> bool: ...

    # texting suspensions (SPEC 7) and what the detectors read
    async def add_suspension(self, suspension: Suspension) -> int: ...

    async def suspensions(self, agent_id: int | None) -> list[Suspension]:
        """Newest first; every agent's when agent_id is None."""
        ...

    async def lift_suspension(self, suspension_id: int, at: datetime, reason: str) -> None: ...

    async def agent_texts(self, agent_id: int, since: datetime) -> list[SentText]:
        """The agent's sent texts since then, oldest first."""
        ...

    async def texts_from(self, numbers: Sequence[str], since: datetime) -> list[ReceivedText]:
        """Texts received from these numbers since then, oldest first."""
        ...

    # email waiting to go
    async def queue_email(
        self, to: str, subject: str, body: str, at: datetime, suspension_id: int | None = None
    ) -> int: ...

    async def suspension_emails(self, suspension_id: int) -> list[Email]: ...

    async def emails_of_suspensions(self, suspension_ids: Sequence[int]) -> dict[int, list[Email]]:
        """The notices of each of these suspensions, by suspension id."""
        ...

    async def unsent_emails(self, limit: int) -> list[Email]: ...

    async def claim_emails(
        self, worker: str, now: datetime, lease_until: datetime, limit: int
    ) -> list[Email]:
        """Claim unsent emails for `worker` until `lease_until` (taken over once it runs
        out), oldest first; settled by email_sent / email_failed with the same worker."""
        ...

    async def email_sent(self, email_id: int, at: datetime, *, worker: str | None = None) -> bool:
        """Sent; with `worker`, only if it still holds the email (False: taken over)."""
        ...

    async def email_failed(self, email_id: int, error: str, *, worker: str | None = None) -> bool:
        """A failed attempt (it stays queued); with `worker`, only if still held."""
        ...

    # the text inbox
    async def keep_inbound_text(self, text: NewInboundText) -> int | None:
        """Store an inbound text; None when its message key is there already."""
        ...

    async def inbound_text(self, text_id: int) -> InboundText | None: ...

    async def pending_inbound_texts(self, limit: int) -> list[InboundText]:
        """Texts not handled yet, oldest first."""
        ...

    async def claim_inbound_texts(
        self, worker: str, now: datetime, lease_until: datetime, limit: int
    ) -> list[InboundText]:
        """Claim pending texts for `worker` until `lease_until` (taken over once it runs
        out; claimed again by the same worker meanwhile, e.g. an MMS still fetching),
        oldest first, never one whose sender has an earlier one held by another worker.
        Each is then handled once through take_inbound_text."""
        ...

    async def take_inbound_text(self, text_id: int, at: datetime) -> InboundText | None:
        """The kept text, marked handled at `at` in this transaction -- or None when it
        is handled already (by another worker): whoever takes it handles it, once. Its
        handling follows in the same transaction, or the mark is undone with it."""
        ...

    async def inbound_text_handled(self, text_id: int, at: datetime, outcome: str) -> None: ...

    async def inbound_text_attempted(self, text_id: int, error: str) -> None: ...

    # the text outbox
    async def queue_text(self, text: NewText) -> int: ...

    async def queued_text(self, text_id: int) -> QueuedText | None: ...

    async def due_texts(self, now: datetime, limit: int) -> list[QueuedText]:
        """Queued texts whose time has come, oldest first."""
        ...

    async def texts_by_status(
        self, statuses: Sequence[TextStatus], limit: int, after_id: int = 0
    ) -> list[QueuedText]:
        """Newest first."""
        ...

    async def claim_due_texts(
        self, worker: str, now: datetime, lease_until: datetime, limit: int
    ) -> list[QueuedText]:
        """Claim texts due at `now` for `worker` until `lease_until` -- a lease another
        worker takes over once it has run out (the holder died) -- in the order they go:
        never a text whose recipient has an earlier one held by another worker. Settled
        by text_done / text_attempted with the same worker."""
        ...

    async def release_texts(self, worker: str, text_ids: Sequence[int]) -> None:
        """Give back claimed texts not tried (their carrier is down this round): due to
        whoever claims next, not only once the lease runs out."""
        ...

    async def text_attempted(
        self,
        text_id: int,
        error: str,
        retry_at: datetime | None,
        *,
        counts: bool = True,
        worker: str | None = None,
    ) -> bool:
        """A failed attempt: try again at retry_at, or (None) it has failed for good.
        `counts`: it was the carrier side refusing (not just unreachable). With `worker`:
        only if it still holds the text (False: its lease was taken over)."""
        ...

    async def text_done(
        self,
        text_id: int,
        status: TextStatus,
        at: datetime,
        reason: str | None = None,
        *,
        worker: str | None = None,
    ) -> bool:
        """Sent (at), or cancelled/failed for `reason`; its claim released. With
        `worker`: only if it still holds the text (False: its lease was taken over)."""
        ...

    async def ever_texted(self, recipient: str) -> bool:
        """Whether any text to this number was queued or sent (the first-text disclosure)."""
        ...

    async def automatic_texts_to(
        self, recipient: str, purposes: Sequence[str], since: datetime
    ) -> int:
        """Automatic texts to this number queued or sent since then (the per-sender limit)."""
        ...


class Compliance(Protocol):
    """Line types, texting registration (10DLC, toll-free), SHAKEN/STIR and CNAM."""

    # line types and texting registration
    async def set_line_type(self, prefix: str, line_type: LineType) -> None:
        """For a whole number (contacts' phones follow) or a '+1NPANXX' prefix."""
        ...

    async def line_type(self, e164: str) -> LineType:
        """A contact phone's own type if known, else the number's, else its NPA-NXX's."""
        ...

    async def add_brand(self, name: str, ein: str | None, at: datetime) -> int: ...

    async def brand_id(self, name: str) -> int | None: ...

    async def add_campaign(
        self, brand_id: int, use_case: str, samples: Sequence[str], at: datetime
    ) -> int: ...

    async def campaign(self, campaign_id: int) -> Campaign | None: ...

    async def set_campaign_status(self, campaign_id: int, status: str) -> None: ...

    async def registration(self, number_id: int) -> Registration: ...

    async def link_campaign(self, number_id: int, campaign_id: int) -> None: ...

    async def set_tollfree_status(self, number_id: int, status: str) -> None: ...

    # the consent ledger (opt-outs and opt-ins are written to it by set_opted_out)
    async def add_consent_event(self, event: ConsentEvent) -> None: ...

    async def consent_events(self, e164: str) -> list[ConsentEvent]:
        """The number's ledger, oldest first."""
        ...

    async def consented(self, e164: str) -> bool:
        """Whether the number has a recorded consent."""
        ...

    async def stranger_opt_outs(
        self, start: datetime, end: datetime, limit: int
    ) -> list[ConsentEvent]:
        """Opt-outs in [start, end) of numbers no contact has (they leave no timeline
        entry, but a compliance report must list them), oldest first."""
        ...

    async def consented_among(self, numbers: Sequence[str]) -> set[str]:
        """Those of the numbers that have a recorded consent."""
        ...

    # SHAKEN/STIR and CNAM
    async def caller_identity(self, number_id: int) -> CallerIdentity: ...

    async def set_shaken(self, number_id: int, status: str, attestation: str | None) -> None: ...

    async def set_cnam(self, number_id: int, name: str, status: str) -> None: ...

    # revocation: admins' phrases, and texts held until the agent confirms
    async def add_optout_phrase(self, phrase: str, at: datetime) -> bool:
        """False when the phrase is there already."""
        ...

    async def optout_phrases(self) -> list[str]: ...

    async def remove_optout_phrase(self, phrase: str) -> bool: ...

    async def hold_texts_to(self, e164: str, body: str, rule: str, at: datetime) -> None:
        """An agent's next text to e164 waits for confirmation (replaces any hold)."""
        ...

    async def text_hold(self, e164: str) -> TextHold | None: ...

    async def release_text_hold(self, e164: str) -> None: ...


class Carriers(Protocol):
    """SMS carriers, and texts through them: message ids, receipts, error codes."""

    # texts through HTTP carriers: their message ids, receipts and error codes
    async def text_handed(self, text_id: int, carrier_id: int, message_id: str) -> None:
        """The carrier took the text and calls it message_id."""
        ...

    async def text_by_carrier_message(
        self, carrier_id: int, message_id: str
    ) -> QueuedText | None: ...

    async def set_text_delivery(
        self, text_id: int, delivery: str, code: str | None, meaning: str | None
    ) -> None:
        """How far the text got, by the carrier's receipts, and its error code."""
        ...

    async def add_carrier_receipt(
        self, carrier_id: int, message_id: str, status: str, code: str, at: datetime
    ) -> bool:
        """Keep a status callback; False when this (message, status) was kept already."""
        ...

    async def carrier_receipts(self, carrier_id: int, message_id: str) -> list[tuple[str, str]]:
        """(status, code) of every receipt for the message, in the order they came."""
        ...

    async def carrier_flagged_texts(
        self, agent_id: int, meaning: str, since: datetime
    ) -> list[tuple[datetime, str]]:
        """(queued at, recipient) of the agent's texts a carrier refused with this meaning."""
        ...

    # SMS carriers
    async def add_carrier(self, carrier: NewCarrier) -> Carrier: ...

    async def carrier_by_name(self, name: str) -> Carrier | None: ...

    async def carrier_by_id(self, carrier_id: int) -> Carrier | None: ...

    async def carriers(self) -> list[Carrier]: ...

    async def set_number_carrier(self, number_id: int, carrier_id: int | None) -> None: ...

    async def set_carrier_media_hosts(self, carrier_id: int, hosts: Sequence[str]) -> None:
        """Where its MMS attachments may be fetched from (empty: its kind's defaults)."""
        ...


class Records(Protocol):
    """Recordings and voicemail, and the service's own bookkeeping."""

    # recordings and voicemail
    async def add_recording(self, recording: Recording) -> None: ...

    async def recording_by_id(self, recording_id: str) -> Recording | None: ...

    async def recordings(self, contact_ids: Sequence[int] | None, limit: int) -> list[Recording]:
        """Newest first; all contacts' when contact_ids is None."""
        ...

    # the service's own bookkeeping (how far it has read Asterisk's records)
    async def state(self, key: str) -> str | None: ...

    async def set_state(self, key: str, value: str) -> None: ...

    async def recording_ids(self, ids: Sequence[str]) -> set[str]:
        """Which of these recordings are kept already."""
        ...

    # installation settings
    async def settings(self) -> dict[str, str]: ...

    async def set_setting(self, key: str, value: str) -> None: ...


class RoutingReads(Protocol):
    """The one read a call's routing decision makes."""

    async def call_records(
        self, number_e164: str, caller_e164: str | None, since: datetime
    ) -> CallRecords:
        """Everything deciding a call from `caller_e164` (None: no usable caller ID) to
        `number_e164` reads, in one trip to the database; `since` bounds the latest
        conversation."""
        ...


class CallRequests(Protocol):
    """Click-to-call asked for over the HTTP API, placed by whichever service claims it."""

    async def request_call(self, call_key: str, plan: dict[str, Any], at: datetime) -> int:
        """Keep a request (its plan as JSON) for a service to place; wakes listeners of
        "call_requests" when the transaction commits. Its id."""
        ...

    async def claim_call_requests(
        self, worker: str, now: datetime, limit: int
    ) -> list[CallRequest]:
        """Take up to `limit` requests nobody has claimed, oldest first, for `worker`, for
        good: a request claimed is never handed out again (its Originate may have reached
        Asterisk), whether or not the worker lives to place it."""
        ...

    async def call_request_done(self, request_id: int, outcome: str, at: datetime) -> None:
        """How placing it ended (placed, failed and why, expired)."""
        ...

    async def call_request(self, call_key: str) -> CallRequest | None: ...


class Crm(Protocol):
    """The CRM's door: API tokens, webhooks, their events and deliveries; installation settings."""

    # the HTTP API's tokens
    async def add_api_token(self, token: NewApiToken) -> ApiToken: ...

    async def api_token_by_hash(self, token_hash: str) -> ApiToken | None: ...

    async def api_tokens(self) -> list[ApiToken]: ...

    async def revoke_api_token(self, name: str, at: datetime) -> bool:
        """False when no token has that name (or it was revoked already)."""
        ...

    # its rate limits, shared by every API process
    async def take_allowance(
        self, key: str, rate: float, burst: int, want: int, now: datetime
    ) -> int:
        """Take up to `want` tokens from the bucket `key` (refilled at `rate` a second up
        to `burst`, full when first asked); how many were taken (0: it is spent)."""
        ...

    # webhooks: subscriptions, the event outbox, deliveries
    async def add_webhook(self, webhook: NewWebhook) -> Webhook: ...

    async def webhook_by_id(self, webhook_id: int) -> Webhook | None: ...

    async def webhooks(self, *, active_only: bool) -> list[Webhook]: ...

    async def disable_webhook(self, webhook_id: int, reason: str) -> None:
        """Stop delivering to it; what was still waiting for it is dropped."""
        ...

    async def remove_webhook(self, webhook_id: int) -> bool: ...

    async def add_webhook_event(
        self, event: NewWebhookEvent, webhook_ids: Sequence[int]
    ) -> WebhookEvent:
        """Keep an event and queue it for each of these subscriptions."""
        ...

    async def webhook_event(self, event_id: str) -> WebhookEvent | None: ...

    async def webhook_events_between(
        self, start: datetime, end: datetime, limit: int
    ) -> list[WebhookEvent]:
        """Events from start (inclusive) to end (exclusive), oldest first."""
        ...

    async def queue_deliveries(
        self, events: Sequence[WebhookEvent], webhook_id: int, at: datetime
    ) -> int:
        """Deliver these events (again) to one subscription (a replay)."""
        ...

    async def due_deliveries(self, now: datetime, limit: int) -> list[WebhookDelivery]:
        """Pending deliveries due now that are first in their queue (per subscription and
        contact), held by no live lease, of an active subscription that is not paused;
        oldest first. (What claim_deliveries would take, read only.)"""
        ...

    async def claim_deliveries(
        self, worker: str, now: datetime, lease_until: datetime, limit: int, per_webhook: int
    ) -> list[WebhookDelivery]:
        """Claim for `worker` until `lease_until` up to `limit` deliveries due now that head
        their queue, are not held by another's live lease, and belong to an active
        subscription that is not paused; at most `per_webhook` of one subscription in
        flight at once (its live leases count). Oldest first."""
        ...

    async def delivery_attempted(
        self,
        delivery_id: int,
        *,
        at: datetime,
        status_code: int | None,
        error: str | None,
        delivered: bool,
        retry_at: datetime | None,
        worker: str | None = None,
    ) -> bool:
        """Record one attempt: delivered, to be retried at retry_at, or (None) failed; the
        claim is released. With `worker`, only if that worker still holds it (False if
        not: its lease ran out and the delivery is another's now)."""
        ...

    async def webhook_answered(self, webhook_id: int, ok: bool) -> int:
        """Count a subscription's attempt: a success resets its failures in a row (and any
        pause), a failure adds one. Returns the failures in a row now."""
        ...

    async def pause_webhook(self, webhook_id: int, until: datetime) -> None:
        """Claim none of its deliveries before `until` (a receiver that keeps failing)."""
        ...

    async def deliveries(
        self, webhook_id: int | None, limit: int, before_id: int | None = None
    ) -> list[WebhookDelivery]:
        """The delivery log, newest first."""
        ...

    async def prune_webhook_events(self, before: datetime, limit: int) -> int:
        """Forget up to `limit` events older than `before` that nothing waits to deliver
        (with their settled deliveries); how many went."""
        ...


class Repository(
    Organisation,
    Contacts,
    RoutingReads,
    Texting,
    Compliance,
    Carriers,
    Records,
    CallRequests,
    Crm,
    Protocol,
):
    """Everything smartnumber reads or writes, within one transaction: every concern
    above. A use case that needs only some asks for those (a narrower Protocol)."""


class Store(Protocol):
    """An open database: hands out one Repository per transaction."""

    def transaction(self) -> AbstractAsyncContextManager[Repository]: ...

    def snapshot(self) -> AbstractAsyncContextManager[Repository]:
        """A read-only transaction: a consistent view that never holds writers up
        (what a read-only request or report uses). Writing in it is a StorageError."""
        ...

    def listen(self, topic: str, wake: Callable[[], None]) -> AbstractAsyncContextManager[None]:
        """While inside, `wake()` is called soon after another process commits work for
        `topic` ("text_outbox", "text_inbox", "call_requests"). A hint only: listeners
        poll as well, and a store that cannot tell (SQLite) never calls it."""
        ...

    async def close(self) -> None: ...
