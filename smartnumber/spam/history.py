"""What the detectors read: an agent's texts and the replies and opt-outs that followed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from .. import phone


@dataclass(frozen=True)
class Sent:
    at: datetime  # aware
    lead: str  # E.164
    body: str


@dataclass(frozen=True)
class Reply:
    at: datetime
    lead: str


@dataclass(frozen=True)
class OptOut:
    at: datetime
    lead: str


def lead_zone(e164: str) -> ZoneInfo:
    """The lead's time zone, from their number (phone.time_zone)."""
    return phone.time_zone(e164)


def lead_day(at: datetime, lead: str) -> date:
    """The calendar day it was for the lead when a text went or came."""
    return at.astimezone(lead_zone(lead)).date()
