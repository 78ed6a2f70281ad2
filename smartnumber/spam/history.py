"""What the detectors read: an agent's texts and the replies and opt-outs that followed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

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


def lead_day(at: datetime, lead: str) -> date:
    """The calendar day it was for the lead when a text went or came."""
    return at.astimezone(phone.time_zone(lead)).date()
