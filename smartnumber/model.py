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
