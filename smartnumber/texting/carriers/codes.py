"""What a carrier's error code tells us about the number texted, in one table.

Sources: Twilio's error dictionary (https://www.twilio.com/docs/api/errors/<code>);
Telnyx's messaging error codes (https://developers.telnyx.com/docs/messaging/messages/
error-codes, and support.telnyx.com "Telnyx Messaging Error Codes" for 40300 and 40010).
A code arrives in the answer to a send (Twilio 21610, Telnyx 40300 mostly) or in a
failed receipt (the 300xx and 400xx delivery errors); both are read through this table.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Meaning(StrEnum):
    OPTED_OUT = "opted-out"  # the recipient unsubscribed with the carrier: never text again
    LANDLINE = "landline"  # the number cannot take texts: set its line type
    SPAM_FILTERED = "spam-filtered"  # a carrier filtered it as spam: note it, count it
    UNREGISTERED = "unregistered"  # 10DLC traffic without an approved campaign
    OTHER = "other"  # a failure that teaches nothing about the number


@dataclass(frozen=True)
class CarrierCode:
    carrier: str
    code: str
    meaning: Meaning
    says: str  # the provider's own words, shortened


CODES: dict[tuple[str, str], CarrierCode] = {
    (c.carrier, c.code): c
    for c in (
        CarrierCode(
            "twilio", "21610", Meaning.OPTED_OUT, "Attempt to send to unsubscribed recipient"
        ),
        CarrierCode("twilio", "30006", Meaning.LANDLINE, "Landline or unreachable carrier"),
        CarrierCode(
            "twilio", "30007", Meaning.SPAM_FILTERED, "Message filtered (carrier violation)"
        ),
        CarrierCode("twilio", "30034", Meaning.UNREGISTERED, "Message from an unregistered number"),
        CarrierCode("telnyx", "40300", Meaning.OPTED_OUT, "Blocked due to STOP message"),
        CarrierCode(
            "telnyx", "40001", Meaning.LANDLINE, "Not routable: landline or not SMS-capable"
        ),
        CarrierCode("telnyx", "40002", Meaning.SPAM_FILTERED, "Blocked as spam (temporary)"),
        CarrierCode("telnyx", "40003", Meaning.SPAM_FILTERED, "Blocked as spam (permanent)"),
        CarrierCode(
            "telnyx", "40010", Meaning.UNREGISTERED, "Not 10DLC registered (no approved campaign)"
        ),
    )
}


def meaning(carrier: str, code: str | int | None) -> CarrierCode:
    """What this carrier's code means; unknown codes (and none) teach nothing."""
    if code is None:
        return CarrierCode(carrier, "", Meaning.OTHER, "no error code")
    found = CODES.get((carrier, str(code).strip()))
    return found or CarrierCode(carrier, str(code), Meaning.OTHER, "not a code we act on")
