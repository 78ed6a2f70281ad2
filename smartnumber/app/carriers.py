"""Use cases for SMS carriers: add one (secrets read from files only their owner can
read, never from the command line), list them masked. Which number uses which is set by
`number config --sms-carrier` (app/calls.configure_number). And what a carrier's
webhook brings: texts into the inbox, receipts onto the texts they name."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from .. import phone, settings
from ..access import Forbidden
from ..errors import NotFound, UserError
from ..model import Carrier, CarrierKind
from ..storage.repository import Store
from ..texting import inbox
from ..texting.carriers import receipts, registry, telnyx, twilio, wire
from ..texting.carriers.signatures import BadSignature


def webhook_urls(c: Carrier, public_url: str) -> dict[str, str]:
    """What to paste in the provider's console (Telnyx: one URL takes both)."""
    if c.kind is CarrierKind.SIP:
        return {}
    base = f"{public_url or '<api.public_url>'}/v1/carriers/{c.name}"
    return {"inbound": f"{base}/inbound", "status": f"{base}/status"}


def carrier_view(c: Carrier, numbers: list[str], public_url: str = "") -> dict[str, Any]:
    return {
        "name": c.name,
        "kind": c.kind.value,
        "api_url": c.api_url,
        "api_key": settings.MASK if c.api_key else "",
        "public_key": c.public_key,
        "account_sid": c.account_sid,
        "auth_token": settings.MASK if c.auth_token else "",
        "media_hosts": [] if c.kind is CarrierKind.SIP else list(registry.media_hosts(c)),
        "numbers": numbers,
        "webhooks": webhook_urls(c, public_url),
    }


async def add_carrier(
    store: Store,
    name: str,
    kind: str,
    now: datetime,
    *,
    api_key: str = "",
    api_key_file: Path | None = None,
    public_key: str = "",
    account_sid: str = "",
    auth_token: str = "",
    auth_token_file: Path | None = None,
    api_url: str = "",
    media_hosts: str = "",
) -> dict[str, Any]:
    """A new carrier; a secret comes as the one line of a 0600 file, or typed at a prompt."""
    if api_key_file is not None:
        api_key = settings.read_secret_file(api_key_file)
    if auth_token_file is not None:
        auth_token = settings.read_secret_file(auth_token_file)
    async with store.transaction() as repo:
        made = await registry.add(
            repo,
            name,
            kind,
            now,
            api_key=api_key,
            public_key=public_key,
            account_sid=account_sid,
            auth_token=auth_token,
            api_url=api_url,
            media_hosts=media_hosts,
        )
        return carrier_view(made, [], (await settings.load(repo))["api.public_url"])


async def set_media_hosts(store: Store, name: str, hosts: str) -> dict[str, Any]:
    """Change where a carrier's MMS attachments may be fetched from."""
    async with store.transaction() as repo:
        changed = await registry.set_media_hosts(repo, name, hosts)
        return carrier_view(changed, [], (await settings.load(repo))["api.public_url"])


async def list_carriers(store: Store) -> list[dict[str, Any]]:
    async with store.snapshot() as repo:
        numbers = await repo.list_numbers()
        public_url = (await settings.load(repo))["api.public_url"]
        return [
            carrier_view(c, [n.e164 for n in numbers if n.sms_carrier_id == c.id], public_url)
            for c in await repo.carriers()
        ]


class Refused(Forbidden):
    """The webhook does not prove it came from the carrier, or brings a text for a number
    that carrier does not carry here: nothing of it is processed."""


@dataclass(frozen=True)
class Heard:
    """What a carrier's webhook was, once verified and kept."""

    carrier: Carrier
    what: str  # inbound | receipt | ignored
    new: bool  # False: the same message or receipt had come before


async def webhook(
    store: Store,
    name: str,
    body: bytes,
    headers: Mapping[str, str],
    url: tuple[str, str],
    now: datetime,
) -> Heard:
    """A carrier's webhook: verified by its signature (Refused if not), then kept
    -- an inbound text in the inbox (the routing service handles it), a receipt applied
    to the text it names -- before the carrier is answered. NotFound: no such carrier.
    `url`: the URL as this server saw it, and its path and query (Twilio signs the URL
    it posted to: setting api.public_url and the path, when a proxy is in between)."""
    async with store.snapshot() as repo:
        carrier = await registry.named(repo, name)
        public_url = (await settings.load(repo))["api.public_url"]
    try:
        if carrier.kind is CarrierKind.TELNYX:
            news = telnyx.parse(carrier, body, headers, now)
        elif carrier.kind is CarrierKind.TWILIO:
            seen, path = url
            news = twilio.parse(carrier, body, headers, public_url + path if public_url else seen)
        else:
            raise NotFound(f"carrier {name!r} is SIP: its texts come over the trunk")
    except BadSignature as exc:
        raise Refused(f"not signed by the carrier: {exc}") from None
    if isinstance(news, wire.InboundMessage):
        number = await _carries(store, carrier, news.to)
        kept = await inbox.keep(
            store,
            inbox.Arrived(
                smart_number=number,
                sender=news.sender,
                from_header=f"{carrier.kind.value}:{news.sender}"[:200],
                body=news.body,
                message_key=f"{carrier.kind.value}:{carrier.id}:{news.message_id}",
                carrier_id=carrier.id,
                media=news.media,
            ),
            "carrier",
            now,
        )
        return Heard(carrier, "inbound", kept is not None)
    if isinstance(news, wire.Receipt):
        async with store.transaction() as repo:
            new = await receipts.record(repo, carrier.id, news, now)
        return Heard(carrier, "receipt", new)
    return Heard(carrier, "ignored", False)


async def _carries(store: Store, carrier: Carrier, to: str) -> str:
    """`to` as E.164 if it is a Smart Number whose texts this carrier carries, else
    Refused: a carrier (or anyone holding its key) cannot speak for numbers on the trunk
    or another carrier."""
    try:
        e164 = phone.to_e164(to)
    except UserError:
        raise Refused(f"{carrier.name} does not carry {to[:40]!r} here") from None
    async with store.snapshot() as repo:
        number = await repo.number_by_e164(e164)
    if number is None or number.sms_carrier_id != carrier.id:
        raise Refused(f"{carrier.name} does not carry {e164} here (`number config --sms-carrier`)")
    return e164
