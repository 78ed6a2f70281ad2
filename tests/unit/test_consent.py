"""The consent ledger: consents with their evidence, opt-outs and opt-ins in order,
imports with a consent column, text-code leads; texting.require_consent refuses texts
an agent starts without consent but lets a reply to a lead who texted first go."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from smartnumber.storage.sqlite import SqliteStore
from smartnumber.texting import inbound, outbound
from tests.unit.conftest import GRACE, Run, as_json, assert_user_error

NOW = datetime(2026, 11, 20, 17, 0, tzinfo=UTC)
ALAN = "+13105550151"


def ledger(run: Run, number: str) -> list[dict[str, str]]:
    return list(as_json(run("consent", "show", number, "--json")))


def test_consent_opt_out_and_opt_in_are_kept_in_order(provisioned: Run) -> None:
    said = provisioned(
        "consent", "add", "310-555-0150", "--method", "web-form",
        "--evidence", "form #4411 on acme.example, IP 198.51.100.7", "--at", "2026-11-01T10:00Z",
    )  # fmt: skip
    assert said.output.startswith("consent recorded: web-form at 2026-11-01 10:00")
    provisioned("text", "inject", "--from", GRACE, "--to", "+12125550100", "STOP")
    provisioned("text", "inject", "--from", GRACE, "--to", "+12125550100", "START")
    assert [(e["event"], e["method"]) for e in ledger(provisioned, GRACE)] == [
        ("consent", "web-form"),
        ("opt-out", ""),
        ("opt-in", ""),
    ]
    bad = provisioned("consent", "add", GRACE, "--method", "web-form", "--evidence", " ", ok=False)
    assert_user_error(bad, "what shows the consent")
    bad = provisioned("consent", "add", "+44207", "--method", "verbal", "--evidence", "x", ok=False)
    assert bad.exit_code == 1


def test_an_import_records_consent_from_its_column(provisioned: Run, tmp_path: Path) -> None:
    csv = tmp_path / "leads.csv"
    csv.write_text(
        "name,phone,consent,consent_evidence\n"
        "Grace,3105550150,web-form,Zillow lead form 2026-10-02\n"
        "Alan,3105550151,,\n"
        "Ada,3105550152,carrier-pigeon,\n"
    )
    result = provisioned("contact", "import", str(csv), ok=False)
    assert result.exit_code == 1 and "line 4" in result.output and "carrier-pigeon" in result.output
    [grace] = ledger(provisioned, GRACE)
    assert (grace["method"], grace["evidence"]) == ("web-form", "Zillow lead form 2026-10-02")
    assert ledger(provisioned, ALAN) == []
    names = [c["name"] for c in as_json(provisioned("contact", "list", "--json"))]
    assert "Ada" not in names and "Alan" in names  # the bad row added nothing


async def test_require_consent_refuses_a_cold_text_and_allows_a_reply(
    texting_store: SqliteStore, provisioned: Run
) -> None:
    provisioned("settings", "set", "texting.require_consent", "yes")
    provisioned("contact", "add", "Alan", "--phone", ALAN, "--owner", "Bob")
    async with texting_store.transaction() as repo:
        cold = await outbound.send(repo, "Bob", ALAN, "New listing!", NOW)
        await inbound.receive(repo, GRACE, "+12125550100", "Is it available?", NOW)
        reply = await outbound.send(repo, "Bob", GRACE, "Yes", NOW)
    assert cold.refused is not None and "no recorded consent" in cold.refused
    assert reply.outgoing is not None
    provisioned(
        "consent", "add", ALAN, "--method", "verbal", "--evidence", "asked Bob at the open house"
    )
    async with texting_store.transaction() as repo:
        warm = await outbound.send(repo, "Bob", ALAN, "New listing!", NOW)
    assert warm.outgoing is not None


async def test_a_text_code_lead_has_consented_by_text(
    texting_store: SqliteStore, provisioned: Run
) -> None:
    provisioned("textcode", "add", "HOUSE42", "--reply", "Thanks! Details soon.", "--agent", "Bob")
    async with texting_store.transaction() as repo:
        await inbound.receive(repo, "+13105550188", "+12125550100", "house42", NOW)
    [entry] = ledger(provisioned, "+13105550188")
    assert (entry["event"], entry["method"]) == ("consent", "text-code")
    assert "house42" in entry["evidence"]
