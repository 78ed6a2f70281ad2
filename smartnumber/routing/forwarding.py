"""Which external numbers a call may be forwarded to (SPEC section 4).

Only the United States and Canada: not every +1 number is one (the Caribbean and Pacific
NANP members are not), nor are premium-rate (900, 976, NPA-976) or shared-cost numbers,
nor personal communications (5XX) numbers. US
territories (Puerto Rico, Guam, US Virgin Islands, Northern Mariana Islands, American
Samoa) only when an admin allows them. Checked at config time and again at call time.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import phonenumbers
from phonenumbers import PhoneNumberType

ALLOWED_REGIONS = frozenset({"US", "CA"})
# The members of the North American Numbering Plan, named in refusals. (phonenumbers'
# geocoder knows every name, but importing it costs the service about 100 MB.)
NANP_NAMES = {
    "US": "United States",
    "CA": "Canada",
    "AG": "Antigua and Barbuda",
    "AI": "Anguilla",
    "AS": "American Samoa",
    "BB": "Barbados",
    "BM": "Bermuda",
    "BS": "Bahamas",
    "DM": "Dominica",
    "DO": "Dominican Republic",
    "GD": "Grenada",
    "GU": "Guam",
    "JM": "Jamaica",
    "KN": "Saint Kitts and Nevis",
    "KY": "Cayman Islands",
    "LC": "Saint Lucia",
    "MP": "Northern Mariana Islands",
    "MS": "Montserrat",
    "PR": "Puerto Rico",
    "SX": "Sint Maarten",
    "TC": "Turks and Caicos Islands",
    "TT": "Trinidad and Tobago",
    "VC": "Saint Vincent and the Grenadines",
    "VG": "British Virgin Islands",
    "VI": "U.S. Virgin Islands",
}
_E164 = re.compile(r"\+[1-9]\d{6,14}")
US_TERRITORIES = frozenset({"PR", "GU", "VI", "MP", "AS"})
# Premium services by their NANP code, whatever the metadata says of a given number.
PREMIUM_AREA_CODES = frozenset({"900", "976"})
PREMIUM_EXCHANGE = "976"  # NPA-976-XXXX: pay-per-call in area codes across the plan
# Personal communications services (the 5XX "easily recognisable codes"): numbers that
# follow a person or a service anywhere, billed as the carrier likes; never a place.
PERSONAL_AREA_CODES = frozenset(
    {"500", "521", "522", "523", "524", "525", "526", "527", "528", "529", "531", "532",
     "533", "544", "566", "577", "588"}
)  # fmt: skip
_REFUSED_TYPES = {
    PhoneNumberType.PREMIUM_RATE: "a premium-rate number",
    PhoneNumberType.SHARED_COST: "a shared-cost number",
}


@dataclass(frozen=True)
class ForwardCheck:
    allowed: bool
    reason: str  # why not, naming the region; empty when allowed


def check(e164: str, *, allow_us_territories: bool = False) -> ForwardCheck:
    """May a call be forwarded to this (E.164) number?"""
    if not _E164.fullmatch(e164):  # phonenumbers would forgive "+1212...x", a dial string not
        return ForwardCheck(False, f"{e164} is not a phone number")
    try:
        number = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return ForwardCheck(False, f"{e164} is not a phone number")
    national = str(number.national_number)
    if number.country_code == 1 and (
        national[:3] in PREMIUM_AREA_CODES or national[3:6] == PREMIUM_EXCHANGE
    ):
        return ForwardCheck(False, f"{e164} is a premium-rate number: not forwarded")
    if number.country_code == 1 and national[:3] in PERSONAL_AREA_CODES:
        return ForwardCheck(
            False, f"{e164} is a personal communications (5XX) number: not forwarded"
        )
    region = region_of(number) or "an unknown region"
    place = f"{NANP_NAMES[region]} ({region})" if region in NANP_NAMES else region
    allowed = ALLOWED_REGIONS | (US_TERRITORIES if allow_us_territories else frozenset())
    if region not in allowed:
        why = f"{e164} is in {place}: only United States and Canada numbers"
        if region in US_TERRITORIES:
            why += " (US territories only when the admin allows them)"
        return ForwardCheck(False, f"{why} can be forwarded to")
    kind = phonenumbers.number_type(number)
    if kind in _REFUSED_TYPES:
        return ForwardCheck(False, f"{e164} is {_REFUSED_TYPES[kind]} in {place}: not forwarded")
    if not phonenumbers.is_valid_number(number):
        return ForwardCheck(False, f"{e164} is not a valid number in {place}")
    return ForwardCheck(True, "")


def region_of(number: phonenumbers.PhoneNumber) -> str | None:
    """The region a number belongs to, also for numbers phonenumbers calls invalid: within
    +1 the area code decides (each NANP member's leading digits), as libphonenumber does."""
    region = phonenumbers.region_code_for_number(number)
    if region is not None:
        return region
    national = str(number.national_number)
    for code in phonenumbers.region_codes_for_country_code(number.country_code or 0):
        metadata = phonenumbers.PhoneMetadata.metadata_for_region(code)
        if (
            metadata is not None
            and metadata.leading_digits
            and re.match(metadata.leading_digits, national)
        ):
            return code
    return None
