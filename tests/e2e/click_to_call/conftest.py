"""Click-to-call: the office, Asterisk and the routing service up, and a way to run
`smartnumber call` while sipp parties play the agent's phone and the contact."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from click.testing import Result

from smartnumber.demo.sipp import SippParty, SippResult
from tests.e2e.conftest import Office

CONTACT = "+13105550188"  # Los Angeles: reached through the trunk


@pytest.fixture
def running(office: Office) -> Office:
    office.system.start_asterisk()
    office.system.start_service()
    return office


@dataclass
class Outcome:
    cli: Result
    parties: dict[str, SippResult]

    def invites(self, name: str) -> int:
        return len(self.parties[name].requests("INVITE"))

    def shown_to(self, name: str) -> str:
        """The caller ID (user part of From) on the INVITE the party received."""
        [invite] = self.parties[name].requests("INVITE")
        return invite.from_user


async def click_to_call(office: Office, parties: dict[str, SippParty], *args: str) -> Outcome:
    """Start the parties, run `smartnumber call ARGS`, then collect what each party saw."""
    try:
        for party in parties.values():
            await party.start()
        for party in parties.values():
            await party.listening()
        result = await office.system.acli("call", *args, ok=False)
        seen = {}
        for name, party in parties.items():
            await party.stop()
            seen[name] = await party.wait(timeout=5)
        return Outcome(result, seen)
    finally:
        for party in parties.values():
            await party.stop()
