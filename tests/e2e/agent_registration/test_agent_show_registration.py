"""An agent whose phone registers (no fixed sip contact): `agent show` says where it is
registered now, as Asterisk knows it -- and calls for the agent go there."""

from __future__ import annotations

import json

import pytest

from lab.ports import free_udp_port
from lab.raw_sip import register
from smartnumber.demo.sipp import place_call
from tests.e2e.conftest import Office

pytestmark = pytest.mark.asterisk

DANA_NUMBER = "+12125550140"
SOFTPHONE = "127.0.0.44"


@pytest.fixture
def dana(office: Office) -> Office:
    system = office.system
    system.cli("agent", "add", "Dana Diaz", "--cell", "+12125550104", "--office", "Main",
               "--endpoint", "PJSIP/dana")  # fmt: skip
    system.cli("number", "add", DANA_NUMBER, "--scope", "personal", "--owner", "Dana Diaz")
    system.start_asterisk()
    return office


def shown(office: Office) -> str:
    [line] = [
        line
        for line in office.system.cli("agent", "show", "Dana Diaz").output.splitlines()
        if line.startswith("registered")
    ]
    return line.removeprefix("registered").strip()


async def test_agent_show_says_where_the_phone_is_registered_and_calls_go_there(
    dana: Office,
) -> None:
    system = dana.system
    assert shown(dana) == "no (no phone has registered as this agent)"
    password = json.loads(system.cli("agent", "show", "Dana Diaz", "--reveal", "--json").output)[
        "sip_password"
    ]
    asterisk = ("127.0.0.1", int(system.settings["sip.port"]))
    port = free_udp_port(SOFTPHONE)

    assert await register("dana", "wrong", source=(SOFTPHONE, port), target=asterisk) == 401
    assert shown(dana).startswith("no")
    assert await register("dana", password, source=(SOFTPHONE, port), target=asterisk) == 200

    said = shown(dana)
    assert said.startswith(f"sip:dana@{SOFTPHONE}:{port}, until ") and said.endswith(" UTC")
    [registration] = json.loads(system.cli("agent", "show", "Dana Diaz", "--json").output)[
        "registrations"
    ]
    assert registration["uri"] == f"sip:dana@{SOFTPHONE}:{port}"

    system.start_service()
    caller = system.caller(DANA_NUMBER, caller_id="+12125550150")
    result = await place_call(caller, {"Dana": system.phone(SOFTPHONE, port)})
    assert result.answered == ["Dana"], result.caller.output


def test_agent_show_without_asterisk_says_it_cannot_tell(dana: Office) -> None:
    dana.system.instance.stop()
    assert shown(dana).startswith("unknown: cannot reach Asterisk's AMI at 127.0.0.1:")
    data = json.loads(dana.system.cli("agent", "show", "Dana Diaz", "--json").output)
    assert data["registrations"] is None and "cannot reach" in data["registrations_unknown"]
