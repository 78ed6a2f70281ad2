"""An office for end-to-end calls: agents whose phones are sipp parties on loopback."""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from typing import Any

import pytest

from lab.ports import free_udp_port
from lab.system import System
from smartnumber.demo.sipp import CallResult, SippParty, place_call

OFFICE_NUMBER = "+12125550100"
ADDRESSES = {"Alice": "127.0.0.3", "Bob": "127.0.0.4", "Carol": "127.0.0.5"}
CELLS = {"Alice": "+12125550101", "Bob": "+12125550102", "Carol": "+12125550103"}


@dataclass
class Office:
    """Office Main: Alice (admin), Bob and Carol, each on a SIP phone; one office number."""

    system: System
    ports: dict[str, int]

    def phone(self, name: str, scenario_name: str = "agent") -> SippParty:
        party = self.system.phone(ADDRESSES[name], self.ports[name], scenario_name=scenario_name)
        party.name = f"phone-{name}-{len(self.system.parties)}"
        return party

    async def call(
        self,
        caller_id: str,
        *,
        number: str = OFFICE_NUMBER,
        phones: tuple[str, ...] = ("Alice", "Bob", "Carol"),
    ) -> CallResult:
        """A caller on the trunk calls `number`; the named agents' phones are up."""
        caller = self.system.caller(number, caller_id=caller_id)
        return await place_call(caller, {name: self.phone(name) for name in phones})

    def timeline(self, number: str) -> list[dict[str, Any]]:
        return json.loads(self.system.cli("timeline", number, "--json").output)

    async def completed_call(self, number: str, timeout: float = 10.0) -> dict[str, Any]:
        """The newest call on the number's timeline once its outcome is in (the hangup
        handler reports it just after the call ends)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            calls = [e for e in self.timeline(number) if e["kind"] == "call"]
            if calls and calls[0]["detail"].get("status") in ("answered", "missed"):
                return calls[0]
            assert loop.time() < deadline, f"no completed call for {number}: {calls[:1]}"
            await asyncio.sleep(0.1)


@pytest.fixture
def office(system: System) -> Office:
    ports = {name: free_udp_port(address) for name, address in ADDRESSES.items()}
    system.cli("office", "add", "Main")
    for name, address in ADDRESSES.items():
        extra = ["--admin", "--email", "alice@example.com"] if name == "Alice" else []
        system.cli(
            "agent",
            "add",
            name,
            "--cell",
            CELLS[name],
            "--office",
            "Main",
            "--endpoint",
            f"PJSIP/{name.lower()}",
            "--sip-contact",
            f"sip:{address}:{ports[name]}",
            *extra,
        )
    system.cli("number", "add", OFFICE_NUMBER, "--scope", "office", "--owner", "Main")
    return Office(system, ports)
