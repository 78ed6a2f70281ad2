"""With no routing service listening, a call to a Smart Number still reaches a phone:
the DID's context tries FastAGI, sees it fail, and dials the number's fallback agent."""

from __future__ import annotations

import pytest

from lab.ami import watch
from lab.ports import free_udp_port
from lab.system import System

pytestmark = pytest.mark.asterisk

ALICE = "127.0.0.3"
BOB = "127.0.0.4"


def provision(system: System, alice_port: int, bob_port: int) -> None:
    system.cli("office", "add", "Main")
    system.cli(
        "agent",
        "add",
        "Alice",
        "--cell",
        "+12125550101",
        "--office",
        "Main",
        "--endpoint",
        "PJSIP/alice",
        "--sip-contact",
        f"sip:{ALICE}:{alice_port}",
    )
    system.cli(
        "agent",
        "add",
        "Bob",
        "--cell",
        "+12125550102",
        "--office",
        "Main",
        "--endpoint",
        "PJSIP/bob",
        "--sip-contact",
        f"sip:{BOB}:{bob_port}",
    )
    system.cli(
        "number", "add", "+12125550100", "--scope", "office", "--owner", "Main", "--fallback", "Bob"
    )


async def test_call_to_did_is_answered_by_fallback_agent(
    system: System, stop_parties: None
) -> None:
    alice_port, bob_port = free_udp_port(ALICE), free_udp_port(BOB)
    provision(system, alice_port, bob_port)
    system.start_asterisk()

    bob = system.phone(BOB, bob_port)
    await bob.start()
    await bob.listening()
    async with watch(**system.watcher_credentials()) as ami:
        caller = system.caller("+12125550100", caller_id="+12125550123")
        await caller.start()
        caller_result, bob_result = await caller.wait(), await bob.wait()

        assert caller_result.succeeded, caller_result.output
        assert bob_result.succeeded, bob_result.output
        # Bob's phone was offered the call with the caller's number as caller ID.
        (invite,) = bob_result.requests("INVITE")
        assert "+12125550123" in invite.headers["from"]
        # The call went through the DID's context and the routing attempt failed over.
        await ami.wait_for(
            lambda e: (
                e.get("Event") == "VarSet"
                and e.get("Variable", "").lstrip("_") == "SMARTNUMBER_DID"
                and e.get("Value") == "+12125550100"
            )
        )
        await ami.wait_for(
            lambda e: (
                e.get("Event") == "VarSet"
                and e.get("Variable") == "AGISTATUS"
                and e.get("Value") == "FAILURE"
            )
        )
        dial_end = await ami.wait_for(lambda e: e.get("Event") == "DialEnd")
        assert dial_end["DestChannel"].startswith("PJSIP/bob-")
        assert dial_end["DialStatus"] == "ANSWER"
    # Alice, not the fallback, was never rung.
    assert "PJSIP/alice" not in system.rx("core show channels concise")
