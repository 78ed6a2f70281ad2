"""Voicemail: nobody answers within the timeout, the caller leaves a message, and it lands
on the contact's timeline with its length, listed and exportable."""

from __future__ import annotations

import filecmp
import re
from pathlib import Path

import pytest

from smartnumber.demo.sipp import place_call
from tests.e2e.call_handling.conftest import configure, loudest_sample, recordings, timeline_entry
from tests.e2e.conftest import OFFICE_NUMBER, Office

pytestmark = pytest.mark.asterisk

CALLER = "+12125550177"


async def test_unanswered_call_leaves_a_voicemail_on_the_timeline(
    office: Office, stop_parties: None, tmp_path: Path
) -> None:
    configure(office, "--voicemail", "--timeout", "5")
    caller = office.system.caller(
        OFFICE_NUMBER, caller_id=CALLER, scenario_name="caller-speaks", hold_ms=6000, timeout_s=60
    )
    phones = {name: office.phone(name, "agent-rings") for name in ("Alice", "Bob", "Carol")}
    result = await place_call(caller, phones)

    assert result.rung, "some agent's phone should have rung first"
    for name in result.rung:
        assert result.phones[name].requests("CANCEL")  # gave up after the 5 s timeout
    assert result.caller.succeeded, result.caller.output  # answered by voicemail
    call = await office.completed_call(CALLER)
    assert call["detail"]["status"] == "missed" and call["agent"] is None  # nobody talked
    table = office.system.cli("timeline", CALLER).output  # but the table says whom it rang
    rang = ", ".join(call["detail"]["decision"]["agents"])
    [row] = [re.split(r"\s{2,}", line) for line in table.splitlines() if " call " in line]
    assert row[1:5] == ["call", "inbound", f"Caller {CALLER}", f"rang {rang}"], table

    entry = await timeline_entry(office, CALLER, "voicemail")
    assert entry["detail"]["call"] == call["id"]
    assert 3 <= entry["detail"]["seconds"] <= 15
    [kept] = recordings(office, CALLER)
    assert kept["id"] == entry["detail"]["recording"] and kept["kind"] == "voicemail"
    assert loudest_sample(Path(kept["path"])) > 1000  # the caller's words, not silence

    out = tmp_path / "message.wav"
    office.system.cli("recording", "export", kept["id"], "--out", str(out))
    assert filecmp.cmp(out, kept["path"], shallow=False)
    refused = office.system.cli("recording", "export", kept["id"], "--out", str(out), ok=False)
    assert refused.exit_code == 1 and "exists" in refused.output


async def test_no_voicemail_means_the_caller_is_never_answered(
    office: Office, stop_parties: None
) -> None:
    configure(office, "--no-voicemail", "--timeout", "5")
    caller = office.system.caller(OFFICE_NUMBER, caller_id=CALLER, timeout_s=30)
    phones = {name: office.phone(name, "agent-rings") for name in ("Alice", "Bob", "Carol")}
    result = await place_call(caller, phones)

    assert not result.caller.succeeded  # no 200 OK: nothing answered
    call = await office.completed_call(CALLER)
    assert call["detail"]["status"] == "missed"
    assert recordings(office, CALLER) == []
