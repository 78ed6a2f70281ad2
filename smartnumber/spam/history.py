"""What the detectors read: an agent's texts and the replies and opt-outs that followed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from zoneinfo import ZoneInfo

from phonenumbers import parse as parse_number
from phonenumbers import timezone as number_timezones


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


@cache
def lead_zone(e164: str) -> ZoneInfo:
    """The lead's time zone, from their number (NANP area codes map to one zone or a
    few; the first is taken); UTC when unknown."""
    try:
        zones = number_timezones.time_zones_for_number(parse_number(e164))
        return ZoneInfo(zones[0]) if zones and zones[0] != "Etc/Unknown" else ZoneInfo("UTC")
    except Exception:
        return ZoneInfo("UTC")


def lead_day(at: datetime, lead: str) -> date:
    """The calendar day it was for the lead when a text went or came."""
    return at.astimezone(lead_zone(lead)).date()
