"""`callerid verify`: the number is called and only the code shown on screen, keyed in
within the time limit, verifies it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from smartnumber import clock
from smartnumber.app import calls
from smartnumber.asterisk.ami import AmiConfig
from smartnumber.demo.sipp import scenario
from smartnumber.errors import UserError
from smartnumber.storage import open_store
from tests.e2e.conftest import Office

pytestmark = pytest.mark.asterisk

CELL = "+14155550199"
# sip-tester's DTMF recordings share one RTP stream whose timestamps rise from 1 to 9 (0
# sits between 1 and 2): Asterisk drops a key whose timestamp goes backwards, so the
# codes keyed here use rising digits.
CODE = "124689"


def keying(path: Path, digits: str) -> Path:
    """A sipp scenario: answers, waits for the prompt to start, keys `digits` in (RFC 2833,
    sip-tester's recordings), then waits to be hung up on."""
    keys = "\n".join(
        f'  <nop><action><exec play_pcap_audio="/usr/share/sip-tester/dtmf_2833_{d}.pcap"/>'
        '</action></nop>\n  <pause milliseconds="400"/>'
        for d in digits
    )
    template = (scenario("cell-accepts")).read_text()
    start = template.index('  <pause milliseconds="500"/>')
    end = template.index('  <recv request="BYE"/>')
    path.write_text(
        template[:start] + '  <pause milliseconds="1500"/>\n' + keys + "\n" + template[end:]
    )
    return path


async def verify(office: Office, tmp_path: Path, digits: str, limit: float = 25) -> str:
    """Run a verification of CELL for Bob with the code CODE while the phone keys
    `digits`; returns the verified number or the refusal."""
    system = office.system
    party = system.carrier(
        scenario_name=keying(tmp_path / f"keys-{digits or 'none'}.xml", digits),
        hold_ms=0,
        timeout_s=60,
    )
    await party.start()
    await party.listening()
    shown: list[str] = []
    store = await open_store(system.db)
    try:
        return await calls.verify_caller_id(
            store,
            system.db,
            "Bob",
            CELL,
            clock.now,
            limit=limit,
            code=CODE,
            show=shown.append,
            ami=AmiConfig(**system.ami_credentials(), events="call,user"),
        )
    except UserError as exc:
        return str(exc)
    finally:
        await store.close()
        assert shown and CODE in shown[0]  # the code was on screen before the call
        await party.stop()


def caller_ids(office: Office) -> list[dict[str, object]]:
    return list(json.loads(office.system.cli("callerid", "list", "Bob", "--json").output))


@pytest.fixture
def up(office: Office) -> Office:
    office.system.start_asterisk()
    return office


async def test_the_right_code_verifies_and_the_number_can_be_used(
    up: Office, stop_parties: None, tmp_path: Path
) -> None:
    assert await verify(up, tmp_path, CODE) == CELL
    [entry] = caller_ids(up)
    assert entry["number"] == CELL and entry["verified"] and entry["attempts"] == 1
    up.system.cli("callerid", "use", "Bob", CELL)
    shown = json.loads(up.system.cli("outbound-number", "Bob", "--json").output)
    assert shown["number"] == CELL and shown["level"] == "verified"
    up.system.cli("callerid", "use", "Bob", "smart")
    shown = json.loads(up.system.cli("outbound-number", "Bob", "--json").output)
    assert shown["level"] == "office"


async def test_a_wrong_code_does_not_verify(up: Office, stop_parties: None, tmp_path: Path) -> None:
    assert (
        await verify(up, tmp_path, "246802") == f"{CELL} not verified: the code keyed in was wrong"
    )
    [entry] = caller_ids(up)
    assert entry["verified"] is None
    refused = up.system.cli("callerid", "use", "Bob", CELL, ok=False)
    assert refused.exit_code == 1 and "not a verified caller ID of Bob" in refused.output


async def test_no_code_within_the_time_limit_does_not_verify(
    up: Office, stop_parties: None, tmp_path: Path
) -> None:
    said = await verify(up, tmp_path, "", limit=10)
    assert said == f"{CELL} not verified: no code was keyed in"
    assert caller_ids(up)[0]["verified"] is None


def test_only_us_and_canada_numbers(up: Office) -> None:
    result = up.system.cli("callerid", "verify", "Bob", "+18765550123", ok=False)
    assert result.exit_code == 1 and "Jamaica (JM)" in result.output
