"""Texts through an HTTP carrier (Telnyx or Twilio), both ways, with receipts: the
texting rules are the trunk's, only the transport differs."""

from __future__ import annotations

import json

from tests.e2e.carriers.conftest import CELLS, GRACE, OFFICE_NUMBER, Line
from tests.e2e.texting.conftest import FIRST


def is_text(entry: dict[str, object]) -> bool:
    return entry["kind"] == "text"


async def test_a_contacts_text_is_forwarded_to_the_owners_cell_through_the_carrier(
    line: Line,
) -> None:
    answer, _ = await line.text_in(GRACE, "Is the house on Elm still available?")
    assert answer.status_code == 200
    [forward] = await line.taken(lambda t: t.to == CELLS["Bob"])
    assert forward.sender == OFFICE_NUMBER and forward.kind == line.kind
    assert forward.body == f"Grace Hopper ({GRACE}): Is the house on Elm still available?"
    entry = await line.entry(GRACE, lambda e: is_text(e) and e["direction"] == "inbound")
    assert entry["detail"]["text"] == "Is the house on Elm still available?"
    assert entry["agent"] == "Bob"


async def test_a_reply_goes_out_through_the_carrier_and_its_receipts_land_on_the_timeline(
    line: Line,
) -> None:
    said = await line.system.acli("text", "send", "--agent", "Bob", "--to", GRACE, "Yes it is")
    assert said.output.startswith(f"sent to {GRACE} from {OFFICE_NUMBER}")
    [taken] = await line.taken(lambda t: t.to == GRACE)
    assert (taken.sender, taken.body, taken.status_url) == (
        OFFICE_NUMBER,
        "Yes it is" + FIRST,
        line.status_url,
    )
    [row] = [t for t in line.outbox() if t["to"] == GRACE]
    assert (row["carrier_message_id"], row["delivery"]) == (taken.message_id, "sent")

    # Out of order and twice: delivered before sent; the late sent changes nothing.
    assert (await line.carrier.receipt(taken, "delivered")).status_code == 200
    entry = await line.entry(GRACE, lambda e: e["detail"].get("status") == "delivered")
    assert entry["detail"]["text"] == "Yes it is"
    for status in ("sent", "delivered", "queued"):
        assert (await line.carrier.receipt(taken, status)).status_code == 200
    [entry] = [e for e in line.timeline(GRACE) if is_text(e)]
    assert entry["detail"]["status"] == "delivered"
    [row] = [t for t in line.outbox() if t["to"] == GRACE]
    assert row["delivery"] == "delivered"


async def test_stop_through_the_webhook_opts_out_and_the_confirmation_goes_by_the_carrier(
    line: Line,
) -> None:
    await line.text_in(GRACE, "STOP")
    [confirmation] = await line.taken(lambda t: t.to == GRACE)
    assert "unsubscribed" in confirmation.body
    refused = await line.system.acli(
        "text", "send", "--agent", "Bob", "--to", GRACE, "One more thing", ok=False
    )
    assert refused.exit_code == 1 and "opted out" in refused.output
    assert [t.to for t in line.carrier.sent] == [GRACE]  # nothing else went


async def test_a_webhook_sent_twice_is_one_text(line: Line) -> None:
    _, message_id = await line.text_in(GRACE, "Can we see it Saturday?")
    again = await line.replay(GRACE, "Can we see it Saturday?", message_id)
    assert again.status_code == 200  # the carrier is told it arrived: it stops retrying
    await line.text_in(GRACE, "Or Sunday")  # handled after the first, in order
    await line.taken(lambda t: t.to == CELLS["Bob"] and t.body.endswith("Or Sunday"))
    forwards = [t.body for t in line.carrier.sent if t.to == CELLS["Bob"]]
    assert forwards == [
        f"Grace Hopper ({GRACE}): Can we see it Saturday?",
        f"Grace Hopper ({GRACE}): Or Sunday",
    ]
    inbound = [e for e in line.timeline(GRACE) if is_text(e) and e["direction"] == "inbound"]
    assert len(inbound) == 2


async def test_while_the_carrier_is_down_texts_wait_and_go_once_each_when_it_is_back(
    line: Line,
) -> None:
    line.carrier.outage = 2  # two 5xx answers, then up again
    said = await line.system.acli("text", "send", "--agent", "Bob", "--to", GRACE, "Still on?")
    assert said.output.startswith(f"queued for {GRACE}")
    await line.system.acli("text", "send", "--agent", "Bob", "--to", GRACE, "Call me")
    taken = await line.taken(lambda t: t.to == GRACE, count=2, timeout=60)
    assert [t.body for t in taken] == ["Still on?" + FIRST, "Call me"]  # in order, once each
    assert line.carrier.attempts == 4  # each 5xx was a real try, then one each
    assert [t["status"] for t in line.outbox()] == ["sent", "sent"]


async def test_an_mms_is_fetched_into_the_media_directory_and_shown_on_the_timeline(
    line: Line,
) -> None:
    picture = b"\xff\xd8\xff\xe0" + b"jpeg" * 1000
    line.carrier.media["front.jpg"] = ("image/jpeg", picture)
    line.carrier.media["big.jpg"] = ("image/jpeg", b"x" * 20_000)  # says its size
    line.carrier.media["chunked-big.jpg"] = ("image/jpeg", b"x" * 20_000)  # does not
    line.carrier.media["page.html"] = ("text/html", b"<script>alert(1)</script>")
    line.system.cli("settings", "set", "texting.mms_max_bytes", "10000")
    media = [
        (line.carrier.media_url("front.jpg"), "image/jpeg"),
        (line.carrier.media_url("big.jpg"), "image/jpeg"),
        (line.carrier.media_url("chunked-big.jpg"), "image/jpeg"),
        (line.carrier.media_url("page.html"), "text/html"),
    ]
    await line.text_in(GRACE, "The front door", media)
    entry = await line.entry(GRACE, lambda e: is_text(e) and e["direction"] == "inbound")
    kept, big, chunked, page = entry["detail"]["media"]
    assert kept["content_type"] == "image/jpeg" and kept["bytes"] == len(picture)
    media_dir = line.system.root / "media"
    assert (media_dir / kept["file"]).read_bytes() == picture
    assert (media_dir / kept["file"]).stat().st_mode & 0o077 == 0
    assert big["not_fetched"] == "20000 bytes: more than 10000"
    assert chunked["not_fetched"] == "more than 10000 bytes"
    assert sorted(p.name for p in (media_dir / "mms").iterdir()) == [kept["file"][4:]]
    assert "text/html" in page["not_fetched"]
    [forward] = await line.taken(lambda t: t.to == CELLS["Bob"])
    assert forward.body.endswith("The front door [+4 attachment(s) on the timeline]")
    assert json.dumps(entry).count("<script>") == 0
