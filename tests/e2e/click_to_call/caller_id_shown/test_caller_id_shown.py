"""Which number the contact sees on a click-to-call, asserted on the contact leg's From:
verified caller ID > personal (in the contact's area code) > team > office."""

from __future__ import annotations

import pytest

from lab.ports import free_udp_port
from smartnumber import clock
from smartnumber.storage.sqlite import SqliteStore
from tests.e2e.click_to_call.conftest import CONTACT, click_to_call
from tests.e2e.conftest import OFFICE_NUMBER, Office

pytestmark = pytest.mark.asterisk

DAVE = "127.0.0.6"
TEAM_NUMBER = "+12125550110"
PERSONAL = "+12125550120"  # primary: Manhattan
PERSONAL_LA = "+13105550120"  # in the contact's area code (310)
VERIFIED = "+14155550199"


async def use_verified_caller_id(office: Office) -> None:
    """Dave proved VERIFIED is his (the verification call itself is tested elsewhere)."""
    store = await SqliteStore.open(office.system.db)
    try:
        async with store.transaction() as repo:
            dave = await repo.agent_by_name("Dave")
            assert dave is not None
            await repo.caller_id_attempted(dave.id, VERIFIED)
            await repo.caller_id_verified(dave.id, VERIFIED, clock.now())
            await repo.use_caller_id(dave.id, VERIFIED)
    finally:
        await store.close()


@pytest.mark.parametrize(
    ("numbers", "verified", "expected"),
    [
        ([], False, OFFICE_NUMBER),
        ([("team", "Sales")], False, TEAM_NUMBER),
        ([("team", "Sales"), ("personal", PERSONAL)], False, PERSONAL),
        ([("personal", PERSONAL), ("personal", PERSONAL_LA)], False, PERSONAL_LA),
        ([("team", "Sales"), ("personal", PERSONAL)], True, VERIFIED),
    ],
    ids=["office", "team", "personal", "personal-area-code", "verified"],
)
async def test_the_contact_sees_the_most_specific_number(
    office: Office,
    stop_parties: None,
    numbers: list[tuple[str, str]],
    verified: bool,
    expected: str,
) -> None:
    system = office.system
    port = free_udp_port(DAVE)
    system.cli("team", "add", "Sales", "--office", "Main")
    system.cli(
        "agent", "add", "Dave", "--cell", "+12125550104", "--team", "Sales",
        "--endpoint", "PJSIP/dave", "--sip-contact", f"sip:{DAVE}:{port}",
    )  # fmt: skip
    for scope, what in numbers:
        if scope == "team":
            system.cli("number", "add", TEAM_NUMBER, "--scope", "team", "--owner", "Sales")
        else:
            primary = ["--primary"] if what == PERSONAL else []
            system.cli("number", "add", what, "--scope", "personal", "--owner", "Dave", *primary)
    if verified:
        await use_verified_caller_id(office)
    system.start_asterisk()
    system.start_service()
    parties = {
        "dave": system.phone(DAVE, port),
        "contact": system.carrier(scenario_name="answers-hangs-up", hold_ms=500),
    }
    outcome = await click_to_call(office, parties, "Dave", CONTACT, "--wait")

    assert outcome.cli.exit_code == 0, outcome.cli.output
    assert outcome.shown_to("contact") == expected
    call = await office.completed_call(CONTACT)
    assert call["detail"]["number_shown"] == expected


async def test_an_approved_cnam_name_is_the_caller_name_the_contact_sees(
    office: Office, stop_parties: None
) -> None:
    system = office.system
    system.cli("compliance", "cnam", OFFICE_NUMBER, "Acme Realty", "--status", "approved")
    system.start_asterisk()
    system.start_service()
    parties = {
        "bob": office.phone("Bob"),
        "contact": system.carrier(scenario_name="answers-hangs-up", hold_ms=500),
    }
    outcome = await click_to_call(office, parties, "Bob", CONTACT, "--wait")
    assert outcome.cli.exit_code == 0, outcome.cli.output
    [invite] = outcome.parties["contact"].requests("INVITE")
    assert invite.headers["from"].startswith('"Acme Realty" <sip:+12125550100@')
