"""Call connect: an external leg must press 1 before the caller is bridged to it."""

from __future__ import annotations

import json

import pytest

from lab.ami import watch
from smartnumber.demo.sipp import place_call
from tests.e2e.call_handling.conftest import timeline_entry
from tests.e2e.conftest import OFFICE_NUMBER, Office

pytestmark = pytest.mark.asterisk

FORWARD = "+14155550123"


def forward_with_call_connect(office: Office, *options: str) -> None:
    office.system.cli(
        "number",
        "config",
        OFFICE_NUMBER,
        "--forward-to",
        FORWARD,
        "--forward-when",
        "always",
        "--call-connect",
        "--timeout",
        "15",
        *options,
    )
    office.system.start_asterisk()
    office.system.start_service()


async def test_pressing_1_connects_the_call(office: Office, stop_parties: None) -> None:
    forward_with_call_connect(office)
    caller = office.system.caller(OFFICE_NUMBER, caller_id="+12125550177", hold_ms=500)
    result = await place_call(caller, {"cell": office.system.carrier(scenario_name="cell-accepts")})

    assert result.caller.succeeded, result.caller.output
    assert result.answered == ["cell"]
    call = await office.completed_call("+12125550177")
    assert call["detail"]["status"] == "answered"
    assert call["detail"]["answered_number"] == FORWARD


async def test_not_pressing_drops_the_leg_and_the_caller_is_never_bridged(
    office: Office, stop_parties: None
) -> None:
    forward_with_call_connect(office)
    caller = office.system.caller(OFFICE_NUMBER, caller_id="+12125550177")
    # This cell answers (its own voicemail, say) but nobody presses 1.
    result = await place_call(caller, {"cell": office.system.carrier()})

    assert result.phones["cell"].requests("INVITE")
    assert result.phones["cell"].requests("BYE")  # Asterisk dropped the leg
    assert not result.caller.succeeded  # the caller never got a 200 OK
    call = await office.completed_call("+12125550177")
    assert call["detail"]["status"] == "missed"


async def test_not_pressing_drops_the_leg_and_the_caller_reaches_voicemail(
    office: Office, stop_parties: None
) -> None:
    forward_with_call_connect(office, "--voicemail")
    caller = office.system.caller(
        OFFICE_NUMBER,
        caller_id="+12125550177",
        scenario_name="caller-speaks",
        hold_ms=6000,
        timeout_s=60,
    )
    result = await place_call(caller, {"cell": office.system.carrier()})

    assert result.phones["cell"].requests("BYE")  # its own voicemail never reached the caller
    assert result.caller.succeeded, result.caller.output  # answered: by our voicemail
    call = await office.completed_call("+12125550177")
    assert call["detail"]["status"] == "missed"
    entry = await timeline_entry(office, "+12125550177", "voicemail")
    assert entry["detail"]["call"] == call["id"] and entry["detail"]["seconds"] >= 3


async def test_the_external_leg_hears_the_whisper_before_press_1(
    office: Office, stop_parties: None
) -> None:
    forward_with_call_connect(office, "--whisper", "Call from the website.")
    key = json.loads(office.system.cli("number", "show", OFFICE_NUMBER, "--json").output)[
        "call_handling"
    ]["whisper_prompt"]
    caller = office.system.caller(OFFICE_NUMBER, caller_id="+12125550177", hold_ms=500)
    async with watch(**office.system.watcher_credentials()) as ami:
        result = await place_call(
            caller, {"cell": office.system.carrier(scenario_name="cell-accepts")}
        )
    assert result.answered == ["cell"]
    steps = [e for e in ami.named("Newexten") if e.get("Application") in ("Playback", "Read")]
    [whisper, read] = steps
    assert whisper["AppData"].endswith(f"/prompts/{key}") and read["Application"] == "Read"
    # Both on the cell's leg (a channel the call created), not on the caller's own channel.
    assert whisper["Channel"] == read["Channel"] and whisper["Uniqueid"] != whisper["Linkedid"]
