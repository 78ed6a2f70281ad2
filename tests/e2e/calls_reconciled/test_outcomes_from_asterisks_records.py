"""A call whose outcome never reached the service (its AMI link down at hangup, so the
hangup handler's UserEvent went nowhere) is completed from Asterisk's own records once
the service is back: the CDR says who answered and for how long, and the recording left
in the media directory lands on the timeline with its length."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from lab.ports import free_tcp_port
from smartnumber.demo.sipp import place_call
from tests.e2e.call_handling.conftest import loudest_sample, recordings, timeline_entry
from tests.e2e.conftest import OFFICE_NUMBER, Office

pytestmark = pytest.mark.asterisk

CALLER = "+12125550177"


async def test_a_recorded_call_made_while_the_ami_link_was_down_is_reconciled(
    office: Office, stop_parties: None
) -> None:
    system = office.system
    system.cli("number", "config", OFFICE_NUMBER, "--record")
    system.start_asterisk()
    # FastAGI works (the call is routed), but the AMI link points nowhere: the outcome
    # event is lost, as when the AMI blinks at the moment the call ends.
    system.start_service("--ami-port", str(free_tcp_port()), wait_for_ami=False)
    caller = system.caller(
        OFFICE_NUMBER, caller_id=CALLER, scenario_name="caller-speaks", hold_ms=4000
    )
    result = await place_call(caller, {"Alice": office.phone("Alice")})
    assert result.answered == ["Alice"], result.caller.output
    [call] = [e for e in office.timeline(CALLER) if e["kind"] == "call"]
    assert call["detail"]["status"] == "ringing"  # the outcome never came
    assert recordings(office, CALLER) == []

    system.stop_service()
    system.start_service()  # back, with its AMI link: reconciles at start
    entry = await timeline_entry(office, CALLER, "recording", timeout=20)
    [call] = [e for e in office.timeline(CALLER) if e["kind"] == "call"]
    assert call["detail"]["status"] == "answered" and call["agent"] == "Alice"
    assert call["detail"]["outcome_from"] == "cdr" and call["detail"]["talk_seconds"] >= 3
    [kept] = recordings(office, CALLER)
    assert entry["detail"]["recording"] == kept["id"] and entry["detail"]["call"] == call["id"]
    assert 3 <= kept["seconds"] <= 20
    assert loudest_sample(Path(kept["path"])) > 1000
    shown = json.loads(system.cli("recording", "list", "--json").output)
    assert [r["id"] for r in shown] == [kept["id"]]
