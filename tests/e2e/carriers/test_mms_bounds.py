"""MMS attachments under attack (issue 22 findings 4-5): fetched only from the carrier's
media hosts (its API's origin, or the hosts an admin set), redirects off them refused,
never from inside the network, at most 10 a text; and a trickling attachment holds up no
other text: a STOP that arrives a second later is acted on at once."""

from __future__ import annotations

import asyncio
import json

from lab.receiver import RawReceiver
from tests.e2e.carriers.conftest import GRACE, Line

OTHER = "+13105550177"  # Alice's contact: their text is not Grace's


def is_inbound_text(entry: dict[str, object]) -> bool:
    return entry["kind"] == "text" and entry["direction"] == "inbound"


async def test_attachments_come_only_from_the_carriers_media_hosts(line: Line) -> None:
    elsewhere = RawReceiver("redirect", location="http://127.0.0.1:9/x")
    await elsewhere.start()  # another server on this host (another port)
    try:
        line.carrier.media["ok.jpg"] = ("image/jpeg", b"\xff\xd8\xff" + b"j" * 100)
        line.carrier.redirects["bounce.jpg"] = elsewhere.url  # off the carrier's hosts
        media = [
            (line.carrier.media_url("ok.jpg"), "image/jpeg"),
            (line.carrier.media_url("bounce.jpg"), "image/jpeg"),
            (f"{line.system.api_url}/v1/contacts", "image/jpeg"),  # the API itself
            (elsewhere.url, "image/jpeg"),
            ("https://169.254.169.254/latest/meta-data/", "image/jpeg"),
            *[(line.carrier.media_url("ok.jpg"), "image/jpeg")] * 10,  # 11 more: over 10
        ]
        await line.text_in(GRACE, "Pictures", media)
        entry = await line.entry(GRACE, is_inbound_text)
        got = entry["detail"]["media"]
        assert len(got) == 10  # what the carrier listed past 10 is not kept
        assert got[0]["content_type"] == "image/jpeg"
        assert "not one of the carrier's media hosts" in got[1]["not_fetched"]  # the hop
        assert "not one of the carrier's media hosts" in got[2]["not_fetched"]
        assert "not one of the carrier's media hosts" in got[3]["not_fetched"]
        assert "not a public address" in got[4]["not_fetched"]
        assert all("file" in g for g in got[5:10]) and len(got[5:10]) == 5
        assert elsewhere.requests == 0  # nothing reached the other server
        # An admin adds a media host: attachments from it are fetched (still checked as
        # addresses: this one is allowed here by egress.allow 127.0.0.1).
        shown = line.system.cli("carrier", "config", line.name, "--media-hosts", "127.0.0.1")
        assert "127.0.0.1" in shown.output
        listed = json.loads(line.system.cli("carrier", "list", "--json").output)
        assert listed[0]["media_hosts"] == ["127.0.0.1"]
    finally:
        await elsewhere.stop()


async def test_a_trickling_attachment_holds_up_no_stop(line: Line) -> None:
    line.system.cli("settings", "set", "texting.mms_fetch_seconds", "6")
    line.system.cli("contact", "add", "Ada Byron", "--phone", OTHER, "--owner", "Alice")
    line.carrier.media["slow-photo.jpg"] = ("image/jpeg", b"\xff\xd8" * 300)
    await line.text_in(OTHER, "Look", [(line.carrier.media_url("slow-photo.jpg"), "image/jpeg")])
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 10
    while "slow-photo.jpg" not in line.carrier.media_asked:  # its fetch has begun
        assert loop.time() < deadline, "the attachment was never fetched"
        await asyncio.sleep(0.05)
    await line.text_in(GRACE, "STOP")
    sent_at = loop.time()
    await line.entry(
        GRACE, lambda e: is_inbound_text(e) and e["detail"].get("keyword") == "opt-out", 5
    )
    [confirmation] = await line.taken(lambda t: t.to == GRACE, timeout=5)
    assert "unsubscribed" in confirmation.body
    assert loop.time() - sent_at < 5  # acted on while the attachment still trickles
    assert not [e for e in line.timeline(OTHER) if is_inbound_text(e)]  # still fetching
    # The MMS is handled once its fetch meets its deadline, the attachment not kept.
    entry = await line.entry(OTHER, is_inbound_text, timeout=20)
    [only] = entry["detail"]["media"]
    assert only["not_fetched"] == "not whole in 6 s"
