"""What passes between us and an HTTP carrier, whichever it is: a text it took (its
message id), a text it refused (its error code), a carrier we could not reach; and what
its webhooks bring: an inbound message, or a receipt saying how far a text got."""

from __future__ import annotations

from dataclasses import dataclass

from ...errors import UserError
from ...model import Carrier, Media

# How far a text got, in our words; a receipt never moves a text backwards.
QUEUED, SENT, DELIVERED, FAILED, UNDELIVERED = (
    "queued",
    "sent",
    "delivered",
    "failed",
    "undelivered",
)
RANK = {QUEUED: 0, SENT: 1, DELIVERED: 2, FAILED: 2, UNDELIVERED: 2}
FAILURES = (FAILED, UNDELIVERED)


@dataclass(frozen=True)
class Handed:
    """The carrier took the text and calls it message_id."""

    carrier_id: int
    message_id: str


class Refused(UserError):
    """The carrier refused the text for good (a 4xx): its code says why."""

    def __init__(self, carrier: Carrier, code: str, detail: str) -> None:
        self.carrier = carrier
        self.code = code
        super().__init__(f"{carrier.name} refused it: {code or 'no code'} {detail}".strip())


class Unreachable(ConnectionError):
    """The carrier could not be reached, failed (5xx) or asked us to slow down: the text
    waits and is tried again."""


MAX_MEDIA = 10  # attachments an MMS carries at most (Twilio's and Telnyx's limit); more
# listed by a carrier are not kept


@dataclass(frozen=True)
class InboundMessage:
    message_id: str
    sender: str  # as the carrier wrote it; checked as a phone number later
    to: str
    body: str
    media: tuple[Media, ...] = ()


@dataclass(frozen=True)
class Receipt:
    message_id: str
    status: str  # one of RANK's keys
    code: str = ""  # the carrier's error code, if any


Webhook = InboundMessage | Receipt | None  # None: an event we take and ignore


def failure(carrier: Carrier, status: int, code: str, detail: str) -> Exception:
    """What an HTTP error from a carrier means for the text. 5xx, 408 and 429: try again
    later. 401/403: our credentials are wrong -- the texts wait for an admin to mend them
    rather than fail. Any other 4xx: refused for good, with the carrier's code."""
    detail = " ".join(detail.split())[:300]
    if status >= 500 or status in (408, 429):
        return Unreachable(f"{carrier.name} answered {status}: {detail}".strip())
    if status in (401, 403):
        return Unreachable(
            f"{carrier.name} refused our credentials ({status}): check them with"
            " `smartnumber carrier list`; the texts wait"
        )
    return Refused(carrier, code, detail)
