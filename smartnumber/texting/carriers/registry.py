"""Which carriers there are, and which carries each Smart Number's texts: adding one
(credentials checked for their kind), linking a number to it, showing them masked."""

from __future__ import annotations

import base64
import binascii
import re
from datetime import datetime

import httpx

from ...errors import NotFound, UserError
from ...model import Carrier, CarrierKind, SmartNumber
from ...storage.repository import Carriers, NewCarrier, Repository
from ...webhooks.subscriptions import check_form

API_URLS = {
    CarrierKind.TELNYX: "https://api.telnyx.com/v2",
    CarrierKind.TWILIO: "https://api.twilio.com/2010-04-01",
}
SIP = "sip"  # what `--sms-carrier` takes to go back to SIP MESSAGE over the trunk
_NAME = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")
_SECRET = re.compile(r"^[\x21-\x7e]{16,256}$")  # printable, no spaces: it goes in headers
_TWILIO_SID = re.compile(r"^AC[0-9a-fA-F]{32}$")
_HOST = re.compile(
    r"^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?)*$"
)
# Where each provider's inbound MMS attachments are served from (a host and every name
# under it): Twilio's media URLs are on api.twilio.com and redirect to its CDN
# (twiliocdn.com); Telnyx's are on its own domains. Editable per carrier.
MEDIA_HOSTS = {
    CarrierKind.TELNYX: ("telnyx.com",),
    CarrierKind.TWILIO: ("twilio.com", "twiliocdn.com"),
}


def check_hosts(value: str) -> tuple[str, ...]:
    """Comma-separated host names (each also stands for the names under it)."""
    hosts = tuple(dict.fromkeys(h.strip().lower().rstrip(".") for h in value.split(",")))
    hosts = tuple(h for h in hosts if h)
    bad = [h for h in hosts if not _HOST.match(h)]
    if bad:
        raise UserError(f"{bad[0]!r} is not a host name")
    return hosts


def media_hosts(carrier: Carrier) -> tuple[str, ...]:
    """Hosts this carrier's MMS attachments may come from (each with the names under it):
    its own list, else its kind's. Its API's origin is allowed too (media_origin)."""
    return carrier.media_hosts or MEDIA_HOSTS.get(carrier.kind, ())


def api_origin(carrier: Carrier) -> tuple[str, int] | None:
    """The host and port of the carrier's API, where Twilio's media URLs point."""
    if not carrier.api_url:
        return None
    url = httpx.URL(carrier.api_url)
    return url.host, url.port or (443 if url.scheme == "https" else 80)


def _public_key(value: str) -> str:
    try:
        raw = base64.b64decode(value.strip(), validate=True)
    except (binascii.Error, ValueError):
        raw = b""
    if len(raw) != 32:
        raise UserError(
            "the Telnyx public key is the base64 of 32 bytes (Portal: Keys & Credentials)"
        )
    return value.strip()


async def add(
    repo: Carriers,
    name: str,
    kind: str,
    now: datetime,
    *,
    api_key: str = "",
    public_key: str = "",
    account_sid: str = "",
    auth_token: str = "",
    api_url: str = "",
    media_hosts: str = "",
) -> Carrier:
    """A carrier with what its kind needs: Telnyx an API key and the account's public
    key; Twilio an account SID and auth token; SIP nothing."""
    if not _NAME.match(name) or name == SIP:
        raise UserError("a carrier's name is 1-64 letters, digits, '_', '.' or '-' (not 'sip')")
    try:
        carrier_kind = CarrierKind(kind)
    except ValueError:
        raise UserError(f"kind must be one of {', '.join(CarrierKind)}") from None
    if await repo.carrier_by_name(name):
        raise UserError(f"a carrier named {name!r} exists already")
    if carrier_kind is CarrierKind.TELNYX:
        if not _SECRET.match(api_key):
            raise UserError("a Telnyx carrier needs its API key (16-256 characters)")
        public_key = _public_key(public_key)
    elif carrier_kind is CarrierKind.TWILIO:
        if not _TWILIO_SID.match(account_sid):
            raise UserError("a Twilio account SID is AC followed by 32 hex digits")
        if not _SECRET.match(auth_token):
            raise UserError("a Twilio carrier needs its auth token (16-256 characters)")
    elif api_key or public_key or account_sid or auth_token or api_url:
        raise UserError("a SIP carrier takes no credentials: texts go over the trunk")
    if carrier_kind is not CarrierKind.SIP:
        api_url = str(check_form(api_url, "the API URL")) if api_url else API_URLS[carrier_kind]
    return await repo.add_carrier(
        NewCarrier(
            name=name,
            kind=carrier_kind,
            created_at=now,
            api_url=api_url,
            api_key=api_key,
            public_key=public_key,
            account_sid=account_sid,
            auth_token=auth_token,
            media_hosts=check_hosts(media_hosts),
        )
    )


async def named(repo: Carriers, name: str) -> Carrier:
    found = await repo.carrier_by_name(name)
    if found is None:
        raise NotFound(f"no carrier named {name!r} (see `smartnumber carrier list`)")
    return found


async def set_media_hosts(repo: Repository, name: str, hosts: str) -> Carrier:
    """Where this carrier's MMS attachments may be fetched from ('': its kind's defaults)."""
    carrier = await named(repo, name)
    if carrier.kind is CarrierKind.SIP:
        raise UserError("a SIP carrier's texts carry no attachments to fetch")
    await repo.set_carrier_media_hosts(carrier.id, check_hosts(hosts))
    return await named(repo, name)


async def link(repo: Repository, number: SmartNumber, carrier_name: str) -> Carrier | None:
    """Texts of this number go through this carrier (`sip`: over the trunk again)."""
    carrier = None if carrier_name == SIP else await named(repo, carrier_name)
    if carrier is not None and carrier.kind is CarrierKind.SIP:
        carrier = None  # a SIP carrier is the trunk: nothing to remember
    await repo.set_number_carrier(number.id, carrier.id if carrier else None)
    return carrier


async def of_number(repo: Carriers, number: SmartNumber) -> Carrier | None:
    """The carrier of a number's texts; None: SIP MESSAGE over the trunk."""
    if number.sms_carrier_id is None:
        return None
    return await repo.carrier_by_id(number.sms_carrier_id)
