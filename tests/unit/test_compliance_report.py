"""`compliance report`: per number and agent, texts sent, refused by reason, held; opt-outs
by wording; numbers texted without recorded consent -- read back from the timeline."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from smartnumber.storage.sqlite import SqliteStore
from smartnumber.texting import inbound, outbound
from tests.unit.conftest import GRACE, Run, as_json, assert_user_error

NOW = datetime(2026, 11, 20, 17, 0, tzinfo=UTC)  # 09:00 in Los Angeles
OFFICE = "+12125550100"
ALAN, ADA, PAT, SAM = "+13105550151", "+13105550152", "+13105550153", "+13105550154"


async def test_the_report_counts_what_the_timeline_says(
    texting_store: SqliteStore, provisioned: Run
) -> None:
    for name, number in (("Alan", ALAN), ("Ada", ADA), ("Pat", PAT), ("Sam", SAM)):
        provisioned("contact", "add", name, "--phone", number, "--owner", "Bob")
    provisioned("contact", "set-linetype", ADA, "landline")
    provisioned("consent", "add", GRACE, "--method", "web-form", "--evidence", "form 7")
    provisioned("settings", "set", "texting.window", "08:00-21:00")
    async with texting_store.transaction() as repo:
        await outbound.send(repo, "Bob", GRACE, "Hi Grace", NOW)
        await outbound.send(repo, "Bob", ALAN, "Hi Alan", NOW)
        await outbound.send(repo, "Bob", ADA, "Hi Ada", NOW)  # refused: landline
        await inbound.receive(repo, ALAN, OFFICE, "STOP", NOW)
        await outbound.send(repo, "Bob", ALAN, "Sure?", NOW)  # refused: opted out
        await inbound.receive(repo, GRACE, OFFICE, "please stop texting me", NOW)
        await inbound.receive(repo, PAT, OFFICE, "not interested", NOW)  # held
        night = NOW + timedelta(hours=13)  # 22:00 in Los Angeles
        await outbound.send(repo, "Bob", SAM, "Hi Sam", night, no_wait=True)  # quiet hours
    period = ["--since", "2026-11-20T00:00Z", "--until", "2026-11-22T00:00Z"]
    data = as_json(provisioned("compliance", "report", *period, "--json"))
    by_number = {r["number"]: r for r in data["numbers"]}
    bob_number = by_number["+12125550120"]  # Bob's own number
    assert bob_number["sent"] == 2
    assert bob_number["refused"] == {"landline": 1, "the contact opted out": 1, "quiet hours": 1}
    assert by_number[OFFICE]["held"] == 1  # Pat's message came to the office number
    agents = {r["agent"]: r for r in data["agents"]}
    assert agents["Bob"]["sent"] == 2 and sum(agents["Bob"]["refused"].values()) == 3
    assert {o["wording"]: o["count"] for o in data["opt_outs"]} == {
        "keyword: STOP": 1,
        "rule: stop-contacting": 1,
    }
    assert data["texted_without_consent"] == {"count": 1, "numbers": [ALAN]}
    table = provisioned("compliance", "report", "--since", "2026-11-20T00:00Z").output
    assert "landline x1" in table and "numbers texted without recorded consent: 1" in table
    bad = provisioned("compliance", "report", "--since", "2026-11-22T00:00Z",
                      "--until", "2026-11-20T00:00Z", ok=False)  # fmt: skip
    assert_user_error(bad, "--since must be before --until")


async def test_an_opt_out_from_a_number_that_is_no_contact_is_listed(
    texting_store: SqliteStore, provisioned: Run
) -> None:
    """A STOP from a stranger leaves no timeline (no contact), but it was kept and
    confirmed: the page an admin hands a lawyer lists it (issue 23)."""
    stranger = "+13105550199"
    async with texting_store.transaction() as repo:
        await inbound.receive(repo, stranger, OFFICE, "STOP", NOW)
    period = ["--since", "2026-11-20T00:00Z", "--until", "2026-11-22T00:00Z"]
    data = as_json(provisioned("compliance", "report", *period, "--json"))
    assert data["opt_outs"] == [{"wording": "keyword: STOP (not a contact)", "count": 1}]
    assert data["opt_outs_of_non_contacts"] == [
        {"number": stranger, "at": NOW.isoformat(), "said": "STOP"}
    ]
    table = provisioned("compliance", "report", *period).output
    assert "no opt-outs" not in table and f"{stranger} at" in table
    # A contact's opt-out is counted once, from its timeline (not again from the ledger).
    async with texting_store.transaction() as repo:
        await inbound.receive(repo, GRACE, OFFICE, "STOP", NOW)
    again = as_json(provisioned("compliance", "report", *period, "--json"))
    assert sum(o["count"] for o in again["opt_outs"]) == 2
