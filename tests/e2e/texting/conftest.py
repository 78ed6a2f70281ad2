"""Texting end to end: sipp texts a Smart Number through the trunk, and a sipp party on
the carrier's side of the trunk receives what smartnumber sends (SIP MESSAGE)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

import pytest

from smartnumber.sipp import SippParty, SippResult, scenario
from tests.e2e.conftest import OFFICE_NUMBER, Office
from tests.harness.ports import free_udp_port
from tests.harness.system import TRUNK_ADDRESS, System


@dataclass(frozen=True)
class Text:
    to: str  # user part of the Request-URI
    sender: str  # user part of From
    body: str


def register_for_texting(system: System, number: str) -> None:
    """Brand, campaign (approved) and link: what a US local number needs to text."""
    system.cli("compliance", "brand", "add", "Acme Realty")
    system.cli(
        "compliance", "campaign", "add", "--brand", "Acme Realty", "--use-case", "customer care",
        "--sample", "Acme Realty: your viewing is at 5pm. Reply STOP to opt out.",
        "--sample", "Acme Realty: new listings near you. Reply STOP to unsubscribe.",
    )  # fmt: skip
    system.cli("compliance", "campaign", "set-status", "1", "approved")
    system.cli("compliance", "link", number, "1")


@pytest.fixture
def texting(office: Office) -> Office:
    register_for_texting(office.system, OFFICE_NUMBER)
    office.system.start_asterisk()
    office.system.start_service()
    return office


async def send_text(system: System, number: str, sender: str, body: str) -> SippResult:
    """A phone on the carrier side texts `number` from `sender`; waits for Asterisk's 202."""
    party = SippParty(
        name=f"texter{len(system.parties)}",
        scenario=scenario("text-sender"),
        address=TRUNK_ADDRESS,
        port=free_udp_port(TRUNK_ADDRESS),
        workdir=system.root / "sipp",
        remote=f"127.0.0.1:{system.settings['sip.port']}",
        service=number,
        variables={"caller": sender, "body": body},
        timeout_s=15,
    )
    system.parties.append(party)
    await party.start()
    result = await party.wait()
    assert result.succeeded, result.output
    return result


class Inbox:
    """The carrier's side of the trunk, taking every text smartnumber sends."""

    def __init__(self, system: System) -> None:
        self.system = system
        self.party = SippParty(
            name=f"inbox{len(system.parties)}",
            scenario=scenario("text-receiver"),
            address=TRUNK_ADDRESS,
            port=int(system.settings["trunk.port"]),
            workdir=system.root / "sipp",
            calls=1000,
            timeout_s=120,
        )
        system.parties.append(self.party)

    async def __aenter__(self) -> Inbox:
        await self.party.start()
        await self.party.listening()
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.party.stop()

    async def texts(self, handled: int, settle: float = 1.0) -> list[Text]:
        """Once the service has handled `handled` inbound texts (or at once, for 0), what
        reached the carrier."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + 10
        while handled and loop.time() < deadline:
            seen = [e for e in self.system.service_log() if e.get("message") == "text received"]
            if len(seen) >= handled:
                break
            await asyncio.sleep(0.1)
        await asyncio.sleep(settle)  # MessageSend has gone out; let the carrier log it
        await self.party.stop()
        result = await self.party.wait(timeout=5)
        texts: list[Text] = []
        for m in result.requests("MESSAGE"):
            text = Text(_user(m.first_line.split()[1]), _user(m.headers.get("from", "")), m.body)
            last = texts[-1] if texts else None
            if last and (last.to, last.sender) == (text.to, text.sender) and _cut(last.body):
                texts[-1] = Text(last.to, last.sender, last.body + text.body)  # one text, in parts
            else:
                texts.append(text)
        return texts


def _cut(body: str) -> bool:
    """Was this a part of a longer text (smartnumber sends texts over 700 bytes in parts)?"""
    return len(body.encode()) >= 350


def _user(uri: str) -> str:
    return uri.split("sip:", 1)[-1].split("@", 1)[0]
