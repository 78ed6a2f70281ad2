"""The demo's phones: sipp parties that answer for the demo agents on loopback addresses, a
caller and a texter on the trunk, and the carrier's side receiving texts."""

from __future__ import annotations

import asyncio
import re
import shutil
import tempfile
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

from ..asterisk.messaging import parts
from ..errors import UserError
from ..model import QueuedText, TextStatus
from ..storage.repository import Store
from .sipp import SippParty, one_line, place_call
from .trunk import Trunk

_STATIC_CONTACT = re.compile(r"^sip:(?:[^@]+@)?(127\.\d{1,3}\.\d{1,3}\.\d{1,3})(?::(\d+))?$")


@dataclass(frozen=True)
class DemoCall:
    answered_by: str | None  # agent name
    rung: list[str]  # agents whose phones were offered the call
    caller_ok: bool
    detail: str


async def call(
    values: dict[str, str],
    phones: dict[str, tuple[str, int]],
    number: str,
    caller_id: str,
    hold_ms: int = 3000,
) -> DemoCall:
    """Place one call from the trunk (settings `values`) to `number`, with a sipp phone
    answering at each agent's loopback address (`phones`: name -> (address, port)). The
    caller talks once answered (so a recorded call or a voicemail holds audio)."""
    workdir = Path(tempfile.mkdtemp(prefix="sn-call-"))
    trunk = trunk_of(values, workdir)
    parties = agent_phones(trunk, phones, timeout_s=30)
    caller = trunk.caller(
        number, caller_id, scenario_name="caller-speaks", hold_ms=hold_ms, timeout_s=40
    )
    result = await place_call(caller, parties)
    shutil.rmtree(workdir, ignore_errors=True)
    # sipp's screen, last lines, as lines (not one string with escaped line breaks)
    detail = "" if result.caller.succeeded else one_line(result.caller.output, 300)
    return DemoCall(next(iter(result.answered), None), result.rung, result.caller.succeeded, detail)


def trunk_of(values: dict[str, str], workdir: Path) -> Trunk:
    """The parties around the Asterisk these settings describe, traced under workdir."""
    return Trunk(
        workdir,
        values["trunk.host"],
        int(values["trunk.port"]),
        f"{values['sip.bind']}:{values['sip.port']}",
    )


def agent_phones(
    trunk: Trunk, phones: dict[str, tuple[str, int]], timeout_s: int
) -> dict[str, SippParty]:
    """A sipp phone that answers at each agent's loopback address, by agent name."""
    return {
        name: trunk.phone(address, port, timeout_s=timeout_s)
        for name, (address, port) in sorted(phones.items())
    }


def loopback_phones(agents: list[tuple[str, str | None]]) -> dict[str, tuple[str, int]]:
    """Agents whose static SIP contact is a loopback address a sipp phone can take."""
    phones = {}
    for name, contact in agents:
        match = _STATIC_CONTACT.match(contact or "")
        if match:
            phones[name] = (match[1], int(match[2] or 5060))
    if not phones:
        raise UserError("no agent has a static loopback SIP contact to answer a test call")
    return phones


@asynccontextmanager
async def phones_up(
    values: dict[str, str], phones: dict[str, tuple[str, int]]
) -> AsyncIterator[None]:
    """For a demo click-to-call: a sipp phone answering at each agent's loopback address,
    and on the trunk the contact, who answers and hangs up after three seconds (answering
    any text Asterisk still sends the trunk, e.g. an earlier STOP's confirmation)."""
    workdir = Path(tempfile.mkdtemp(prefix="sn-c2c-"))
    trunk = trunk_of(values, workdir)
    parties = list(agent_phones(trunk, phones, timeout_s=120).values())
    contact = trunk.carrier(
        scenario_name="answers-hangs-up", calls=None, hold_ms=3000, timeout_s=120
    )
    parties.append(contact)
    try:
        for party in parties:
            await party.start()
        for party in parties:
            await party.listening()
        yield
    finally:
        for party in parties:
            await party.stop()
        shutil.rmtree(workdir, ignore_errors=True)


async def text_round_trip(
    store: Store,
    values: dict[str, str],
    number: str,
    sender: str,
    body: str,
    reply: Callable[[], Awaitable[None]],
    within: float = 20.0,
) -> list[tuple[str, str, str, str]]:
    """A texter on the trunk sends `body` to `number`; once the routing service has
    forwarded it, `reply()` (an agent's answer through smartnumber) runs. Returns every
    text that left since, as (to, from, body, by): what the trunk's side received, in
    order, once every MESSAGE the service sent over it has arrived; then those an HTTP
    carrier took (a number on one, e.g. the demo's stand-in Telnyx, replies through it)."""
    workdir = Path(tempfile.mkdtemp(prefix="sn-text-"))
    trunk = trunk_of(values, workdir)
    inbox = trunk.inbox(calls=100, timeout_s=60)
    texter = trunk.texter(number, sender, body)
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    try:
        before = await _newest_text(store)
        await inbox.start()
        await inbox.listening()
        await texter.start()
        sent = await texter.wait()
        if not sent.succeeded:
            raise UserError(f"Asterisk did not accept the text: {sent.output.strip()[-200:]}")
        while not await _sent_since(store, before, purpose="forward"):  # the service forwarded it
            if loop.time() > deadline:
                raise UserError("the text was not forwarded: is `smartnumber serve` running?")
            await asyncio.sleep(0.1)
        await reply()
        since = await _sent_since(store, before)
        by_trunk = [t for t in since if t.carrier_id is None]
        expected = sum(len(parts(t.body)) for t in by_trunk)
        while len(inbox.received_so_far("MESSAGE")) < expected:  # each part on the trunk's side
            if loop.time() > deadline:
                raise UserError("the trunk's side did not receive every text in time")
            await asyncio.sleep(0.05)
        trunk_side = [
            (m.to_user, m.from_user, m.body, "the trunk") for m in inbox.received_so_far("MESSAGE")
        ]
        by_http = [
            (t.recipient, t.sender, t.body, "an HTTP carrier") for t in since if t.carrier_id
        ]
        return trunk_side + by_http
    finally:
        for party in (texter, inbox):
            await party.stop()
        shutil.rmtree(workdir, ignore_errors=True)


async def _newest_text(store: Store) -> int:
    async with store.transaction() as repo:
        newest = await repo.texts_by_status(list(TextStatus), 1)
    return newest[0].id if newest else 0


async def _sent_since(store: Store, after_id: int, purpose: str | None = None) -> list[QueuedText]:
    async with store.transaction() as repo:
        sent = await repo.texts_by_status([TextStatus.SENT], 1000, after_id)
    return [t for t in reversed(sent) if purpose is None or t.purpose == purpose]
