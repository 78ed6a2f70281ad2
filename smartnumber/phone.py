"""Phone numbers: every number that enters the system is parsed here and kept as E.164."""

from __future__ import annotations

import os
import re
from functools import cache
from zoneinfo import ZoneInfo

import phonenumbers
from phonenumbers import timezone as number_timezones

from .area_codes import STATE_OF_AREA_CODE
from .errors import UserError

# Characters a person may type in a phone number. Anything else (';', '&', '/', letters,
# newlines...) is refused before phonenumbers sees it, because its parser is lenient
# and would otherwise pick digits out of a hostile string.
_TYPABLE = re.compile(r"^\+?[0-9 ().\-]{1,32}$")
_E164 = re.compile(r"^\+[1-9][0-9]{6,14}$")


class BadNumber(UserError):
    """A phone number that cannot be parsed or is not a valid number."""


def default_region() -> str:
    """Region assumed for numbers typed without a country code (env SMARTNUMBER_REGION)."""
    return os.environ.get("SMARTNUMBER_REGION", "US").upper()


def parse(
    text: str, region: str | None = None, *, require_valid: bool = True
) -> phonenumbers.PhoneNumber:
    """Parse a typed number, refusing anything that is not a (valid) phone number."""
    shown = _shown(text)
    cleaned = text.strip()
    if not _TYPABLE.match(cleaned):
        raise BadNumber(f"{shown} is not a phone number")
    try:
        number = phonenumbers.parse(cleaned, region or default_region())
    except phonenumbers.NumberParseException:
        raise BadNumber(f"{shown} is not a phone number") from None
    if require_valid and not phonenumbers.is_valid_number(number):
        raise BadNumber(f"{shown} is not a valid phone number")
    return number


def to_e164(text: str, region: str | None = None, *, require_valid: bool = True) -> str:
    """The E.164 form (+15551234567) of a typed number; BadNumber if it is not one.

    require_valid=False keeps numbers of the right shape that phonenumbers does not know
    as assigned, for checks that explain a refusal better themselves (forwarding)."""
    number = parse(text, region, require_valid=require_valid)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def is_e164(text: str) -> bool:
    """True when text is already in strict E.164 form (what storage holds)."""
    return bool(_E164.match(text))


def _shown(text: str) -> str:
    """A safe, short rendering of user input for error messages."""
    flat = text.replace("\n", "\\n").replace("\r", "\\r")
    if len(flat) > 40:
        flat = flat[:37] + "..."
    return repr(flat)


@cache
def time_zone(e164: str) -> ZoneInfo:
    """The number's time zone, from its area code (NANP area codes map to one zone or a
    few; the first is taken); UTC when unknown."""
    try:
        zones = number_timezones.time_zones_for_number(phonenumbers.parse(e164))
        return ZoneInfo(zones[0]) if zones and zones[0] != "Etc/Unknown" else ZoneInfo("UTC")
    except Exception:
        return ZoneInfo("UTC")


@cache
def us_state(e164: str) -> str | None:
    """The US state (two letters) of a +1 number's area code, or None (not US, unknown).
    From a generated table (area_codes.py): phonenumbers' geocoder is never imported."""
    if not e164.startswith("+1") or len(e164) != 12:
        return None
    return STATE_OF_AREA_CODE.get(e164[2:5])
