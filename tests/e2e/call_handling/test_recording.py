"""Recording: the caller hears the consent prompt, the bridged conversation is recorded,
and the recording lands on the contact's timeline, listed and exportable."""

from __future__ import annotations

import filecmp
import stat
from pathlib import Path

import pytest

from lab.ami import watch
from smartnumber.demo.sipp import place_call
from tests.e2e.call_handling.conftest import configure, loudest_sample, recordings, timeline_entry
from tests.e2e.conftest import OFFICE_NUMBER, Office

pytestmark = pytest.mark.asterisk

CALLER = "+12125550177"


async def test_recorded_call_lands_on_the_timeline_with_its_audio(
    office: Office, stop_parties: None, tmp_path: Path
) -> None:
    handling = configure(office, "--record", "--record-consent", "This call is recorded.")
    caller = office.system.caller(
        OFFICE_NUMBER, caller_id=CALLER, scenario_name="caller-speaks", hold_ms=6000, timeout_s=60
    )
    async with watch(**office.system.watcher_credentials()) as ami:
        result = await place_call(caller, {"Alice": office.phone("Alice")})

    assert result.caller.succeeded, result.caller.output
    assert result.answered == ["Alice"]
    played = f"Playback({office.system.db.parent}/media/prompts/{handling['consent_prompt']})"
    consent = [e for e in ami.named("Newexten") if played in e.get("AppData", "")]  # in ExecIf
    assert [e["Channel"].split("-")[0] for e in consent] == ["PJSIP/trunk"]  # to the caller
    call = await office.completed_call(CALLER)
    assert call["detail"]["answered_by"] == "Alice"

    entry = await timeline_entry(office, CALLER, "recording")
    assert entry["detail"]["call"] == call["id"] and entry["agent"] == "Alice"
    [kept] = recordings(office, CALLER)
    assert kept["id"] == entry["detail"]["recording"] and kept["kind"] == "recording"
    assert kept["id"].startswith("rec-") and Path(kept["path"]).name == f"{kept['id']}.wav"
    assert 5 <= kept["seconds"] <= 20
    assert loudest_sample(Path(kept["path"])) > 1000  # the caller's words were recorded
    assert modes(Path(kept["path"])) == (0o600, 0o700)  # nobody else may listen

    out = tmp_path / "call.wav"
    office.system.cli("recording", "export", kept["id"], "--out", str(out))
    assert filecmp.cmp(out, kept["path"], shallow=False)


def modes(recording: Path) -> tuple[int, int]:
    """The recording's mode and its directory's."""
    return stat.S_IMODE(recording.stat().st_mode), stat.S_IMODE(recording.parent.stat().st_mode)


async def test_calls_are_not_recorded_unless_the_number_says_so(
    office: Office, stop_parties: None
) -> None:
    configure(office, "--no-record")
    result = await office.call(CALLER, phones=("Alice",))
    assert result.answered == ["Alice"]
    await office.completed_call(CALLER)
    assert recordings(office, CALLER) == []
