"""The AMI connection drops right after the Originate went out, before Asterisk's
answer: the call is not placed twice, and the CLI picks it up again."""

from __future__ import annotations

import pytest

from lab.tcp_proxy import CuttingProxy
from tests.e2e.click_to_call.conftest import CONTACT, click_to_call
from tests.e2e.conftest import Office

pytestmark = pytest.mark.asterisk


async def test_a_cut_mid_originate_rings_the_agent_exactly_once(
    running: Office, stop_parties: None
) -> None:
    system = running.system
    proxy = CuttingProxy(int(system.settings["ami.port"]), cut_after=b"Action: Originate")
    port = await proxy.start()
    # The service keeps its own connection; `smartnumber call` goes through the proxy.
    system.cli("settings", "set", "ami.port", str(port))
    parties = {
        "bob": running.phone("Bob"),
        "contact": system.carrier(scenario_name="answers-hangs-up", hold_ms=1000),
    }
    try:
        outcome = await click_to_call(running, parties, "Bob", CONTACT, "--wait")
    finally:
        await proxy.close()

    assert proxy.cuts == 1 and proxy.connections == 2  # cut once, then reconnected
    said = outcome.cli.output
    assert outcome.cli.exit_code == 0, said
    assert "dropped before Asterisk answered; not sending it again" in said
    assert "reconnected: the call is in progress" in said
    assert outcome.invites("bob") == 1  # exactly once
    assert outcome.invites("contact") == 1
    call = await running.completed_call(CONTACT)
    assert call["detail"]["status"] == "answered"


async def test_without_the_cut_there_is_one_connection(running: Office, stop_parties: None) -> None:
    """The proxy itself is transparent: the same call without a cut makes no note."""
    system = running.system
    proxy = CuttingProxy(int(system.settings["ami.port"]), cut_after=b"Action: NeverSent")
    system.cli("settings", "set", "ami.port", str(await proxy.start()))
    parties = {
        "bob": running.phone("Bob"),
        "contact": system.carrier(scenario_name="answers-hangs-up", hold_ms=500),
    }
    try:
        outcome = await click_to_call(running, parties, "Bob", CONTACT, "--wait")
    finally:
        await proxy.close()
    assert outcome.cli.exit_code == 0 and "note:" not in outcome.cli.output
    assert proxy.connections == 1 and outcome.invites("bob") == 1
