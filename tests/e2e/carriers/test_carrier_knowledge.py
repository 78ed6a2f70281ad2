"""What a carrier says about a number becomes ours: its opt-out, a landline, spam
filtering (noted, and counted against the agent), unregistered traffic."""

from __future__ import annotations

from lab.carrier import Refusal
from tests.e2e.carriers.conftest import GRACE, Line

ALAN = "+13105550151"
CODES = {  # provider: (opted out, landline, spam-filtered, unregistered)
    "telnyx": ("40300", "40001", "40002", "40010"),
    "twilio": ("21610", "30006", "30007", "30034"),
}


def notes(line: Line, number: str) -> list[str]:
    return [e["detail"]["text"] for e in line.timeline(number) if e["kind"] == "note"]


async def test_a_carriers_opt_out_refusal_opts_the_number_out(line: Line) -> None:
    opted_out = CODES[line.kind][0]
    line.carrier.refuse[GRACE] = Refusal(400, opted_out, "Blocked due to STOP message")
    said = await line.system.acli("text", "send", "--agent", "Bob", "--to", GRACE, "Hi", ok=False)
    assert said.exit_code == 1 and f"acme-sms refused it: {opted_out}" in said.output
    entry = await line.entry(GRACE, lambda e: e["detail"].get("status") == "failed")
    assert entry["detail"]["carrier_code"] == opted_out
    [note] = notes(line, GRACE)
    assert f"code {opted_out}" in note and "opted out" in note
    again = await line.system.acli("text", "send", "--agent", "Bob", "--to", GRACE, "Hi", ok=False)
    assert "opted out" in again.output  # refused by us now, not sent to be refused
    assert line.carrier.attempts == 1


async def test_a_landline_code_marks_the_number_a_landline(line: Line) -> None:
    landline = CODES[line.kind][1]
    line.carrier.refuse[GRACE] = Refusal(400, landline, "Not routable")
    await line.system.acli("text", "send", "--agent", "Bob", "--to", GRACE, "Hi", ok=False)
    await line.entry(GRACE, lambda e: e["detail"].get("status") == "failed")
    assert "landline" in notes(line, GRACE)[0]
    again = await line.system.acli("text", "send", "--agent", "Bob", "--to", GRACE, "Hi", ok=False)
    assert "landline" in again.output
    assert line.carrier.attempts == 1


async def test_spam_filtering_in_a_receipt_is_noted_and_counts_against_the_agent(
    line: Line,
) -> None:
    spam = CODES[line.kind][2]
    line.system.cli("settings", "set", "spam.carrier_filtered_count", "2")
    line.system.cli("contact", "add", "Alan Turing", "--phone", ALAN, "--owner", "Bob")
    for number in (GRACE, ALAN):
        await line.system.acli("text", "send", "--agent", "Bob", "--to", number, "New listing!")
        [taken] = await line.taken(lambda t, n=number: t.to == n)  # type: ignore[misc]
        status = "undelivered" if line.kind == "twilio" else "delivery_failed"
        assert (await line.carrier.receipt(taken, status, spam)).status_code == 200
        entry = await line.entry(number, lambda e: e["detail"].get("status") == "undelivered")
        assert entry["detail"]["carrier_code"] == spam
        assert "spam signals" in notes(line, number)[0]
    warned = await line.system.acli(
        "text", "send", "--agent", "Bob", "--to", GRACE, "Hello?", ok=False
    )
    assert warned.exit_code == 1
    assert "carriers filtered 2 of the agent's texts as spam" in warned.output
    assert len(line.carrier.sent) == 2  # held back: not sent


async def test_unregistered_traffic_points_at_the_registration(line: Line) -> None:
    unregistered = CODES[line.kind][3]
    line.carrier.refuse[GRACE] = Refusal(400, unregistered, "Unregistered number")
    await line.system.acli("text", "send", "--agent", "Bob", "--to", GRACE, "Hi", ok=False)
    await line.entry(GRACE, lambda e: e["detail"].get("status") == "failed")
    [note] = notes(line, GRACE)
    assert "smartnumber compliance show +12125550100" in note
