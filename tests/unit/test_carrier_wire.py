"""The carriers' wire formats, read as their documentation writes them; what an HTTP
error means for a text; receipts that come early, late, twice or out of order; a
carrier that fails is paused, not hammered; the carrier spam detector."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from lab.ports import free_tcp_port
from smartnumber import settings
from smartnumber.errors import UserError
from smartnumber.model import Carrier, CarrierKind, InboundText, Media, Outgoing, TextStatus
from smartnumber.spam import carrier_filtered
from smartnumber.spam.config import SpamConfig
from smartnumber.spam.history import Sent
from smartnumber.storage.repository import NewCarrier
from smartnumber.storage.sqlite import SqliteStore
from smartnumber.texting import outbound, outbox
from smartnumber.texting.carriers import mms, receipts, telnyx, transport, twilio, wire
from tests.unit.conftest import Run

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
OFFICE, GRACE = "+12125550100", "+13105550150"
TELNYX = Carrier(1, "tx", CarrierKind.TELNYX, NOW, "http://127.0.0.1:9/v2", "k" * 20)


def test_twilio_forms_become_messages_and_receipts() -> None:
    message = twilio.read(
        [
            ("MessageSid", "SM1"), ("From", GRACE), ("To", OFFICE), ("Body", "look"),
            ("NumMedia", "2"), ("MediaUrl0", "https://a/0"), ("MediaContentType0", "image/png"),
            ("MediaUrl1", "https://a/1"), ("MediaContentType1", "video/mp4"),
        ]
    )  # fmt: skip
    assert isinstance(message, wire.InboundMessage)
    assert (message.sender, message.to, message.body) == (GRACE, OFFICE, "look")
    assert [(m.url, m.content_type) for m in message.media] == [
        ("https://a/0", "image/png"),
        ("https://a/1", "video/mp4"),
    ]
    receipt = twilio.read(
        [("MessageSid", "SM2"), ("MessageStatus", "undelivered"), ("ErrorCode", "30007")]
    )
    assert receipt == wire.Receipt("SM2", wire.UNDELIVERED, "30007")
    assert twilio.read([("MessageSid", "SM3"), ("MessageStatus", "receiving")]) is None
    with pytest.raises(UserError, match="no MessageSid"):
        twilio.read([("Body", "hi")])
    with pytest.raises(UserError, match="not a form"):
        twilio.form(b"\xff\xfe")


@pytest.mark.parametrize(
    ("status", "ours"),
    [("sent", "sent"), ("delivered", "delivered"), ("delivery_failed", "undelivered"),
     ("sending_failed", "failed"), ("delivery_unconfirmed", "sent"), ("queued", "queued")],
)  # fmt: skip
def test_telnyx_statuses_in_our_words(status: str, ours: str) -> None:
    assert telnyx.STATUSES[status] == ours


@pytest.mark.parametrize(
    ("status", "code", "becomes"),
    [(500, "", wire.Unreachable), (503, "", wire.Unreachable), (429, "", wire.Unreachable),
     (408, "", wire.Unreachable), (401, "10009", wire.Unreachable),
     (403, "20003", wire.Unreachable), (400, "21610", wire.Refused), (422, "40300", wire.Refused)],
)  # fmt: skip
def test_what_an_http_error_means_for_the_text(status: int, code: str, becomes: type) -> None:
    found = wire.failure(TELNYX, status, code, "words\nwith a line break")
    assert isinstance(found, becomes)
    assert "\n" not in str(found)
    if isinstance(found, wire.Refused):
        assert found.code == code and found.carrier is TELNYX


def test_the_carrier_spam_detector_counts_filtered_texts_in_its_window() -> None:
    config = SpamConfig(carrier_filtered_count=2, carrier_filtered_days=7)
    new = Sent(NOW, GRACE, "hello")
    old = Sent(NOW - timedelta(days=8), GRACE, "")
    recent = Sent(NOW - timedelta(days=1), "+13105550151", "")
    assert carrier_filtered.check(new, [old, recent], config) is None
    found = carrier_filtered.check(new, [old, recent, Sent(NOW, GRACE, "")], config)
    assert found is not None and found.pattern == "carrier-spam-filter"
    assert [e.lead for e in found.evidence] == ["+13105550151", GRACE]


# -- receipts and the transport, over a real store -----------------------------------------


class Handing:
    """A transport that hands every text to carrier `carrier_id` as m-<n>."""

    def __init__(self, carrier_id: int) -> None:
        self.carrier_id = carrier_id
        self.count = 0

    async def deliver(self, message: Outgoing) -> wire.Handed:
        self.count += 1
        return wire.Handed(self.carrier_id, f"m-{self.count}")


@pytest.fixture
def store(texting_store: SqliteStore) -> SqliteStore:
    return texting_store


def add_telnyx(run: Run, tmp_path: Path) -> None:
    """Carrier `tx` (Telnyx at a closed loopback port), its key from a 0600 file."""
    key = tmp_path / "key"
    key.write_text("k" * 20 + "\n")
    key.chmod(0o600)
    run(
        "carrier", "add", "tx", "--kind", "telnyx", "--api-key-file", str(key),
        "--public-key", "11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=",
        "--api-url", "http://127.0.0.1:9/v2",
    )  # fmt: skip


async def test_receipts_early_late_twice_and_out_of_order(
    store: SqliteStore, provisioned: Run, tmp_path: Path
) -> None:
    add_telnyx(provisioned, tmp_path)
    async with store.transaction() as repo:
        carrier = await repo.carrier_by_name("tx")
        assert carrier is not None
        sent = await outbound.send(repo, "Bob", GRACE, "See you at 5", NOW)
        # A receipt for a message id nobody has recorded yet: kept, applied later.
        assert await receipts.record(repo, carrier.id, wire.Receipt("m-1", wire.DELIVERED), NOW)
    done = await outbox.deliver_due(store, Handing(carrier.id), lambda: NOW, worker="test")
    assert done.sent == 1
    async with store.transaction() as repo:
        text = await repo.queued_text(sent.queued or 0)
        assert text is not None and text.status is TextStatus.SENT
        assert (text.carrier_message_id, text.delivery) == ("m-1", "delivered")
        late = [wire.Receipt("m-1", wire.SENT), wire.Receipt("m-1", wire.DELIVERED)]
        assert [await receipts.record(repo, carrier.id, r, NOW) for r in late] == [True, False]
        again = await repo.queued_text(text.id)
        assert again is not None and again.delivery == "delivered"
        entry = await repo.activity_by_id(text.activity_id or 0)
        assert entry is not None and entry.detail["status"] == "delivered"
        window = (NOW - timedelta(1), NOW + timedelta(1))
        events = [e.type for e in await repo.webhook_events_between(*window, 100)]
    assert events.count("text.delivered") == 1 and events.count("text.sent") == 1


async def test_a_failing_carrier_is_paused_and_tried_again_after_the_pause(
    store: SqliteStore, provisioned: Run, tmp_path: Path
) -> None:
    add_telnyx(provisioned, tmp_path)
    provisioned("number", "config", OFFICE, "--sms-carrier", "tx")
    calls: list[str] = []

    def answer(request: httpx.Request) -> httpx.Response:
        calls.append(json.loads(request.content)["text"])
        if len(calls) == 1:
            return httpx.Response(503, json={"errors": [{"code": "10007"}]})
        return httpx.Response(200, json={"data": {"id": f"id-{len(calls)}"}})

    clock = [NOW]
    sip = Handing(0)
    client = httpx.AsyncClient(transport=httpx.MockTransport(answer))
    ways = transport.Transports(store, sip, lambda: clock[0], client)
    message = Outgoing(OFFICE, GRACE, "hello", "sent")
    with pytest.raises(wire.Unreachable, match="503"):
        await ways.deliver(message)
    with pytest.raises(wire.Unreachable, match="failed just now"):
        await ways.deliver(message)  # paused: no request
    assert calls == ["hello"]
    clock[0] += transport.FIRST_PAUSE
    assert await ways.deliver(message) == wire.Handed(1, "id-2")
    provisioned("number", "config", OFFICE, "--sms-carrier", "sip")
    assert await ways.deliver(message) is None and sip.count == 1  # over the trunk again
    await ways.close()


async def test_an_mms_whose_media_host_is_down_is_handled_with_the_media_listed(
    store: SqliteStore, tmp_path: Path
) -> None:
    """The picture cannot be fetched (nothing listens there): the text is not held up or
    lost; the timeline lists the URL and why it was not kept, and no file is left."""
    dead = f"http://127.0.0.1:{free_tcp_port()}/media/front.jpg"
    async with store.transaction() as repo:
        await settings.set_value(repo, "egress.allow", "127.0.0.1")
        carrier = await repo.add_carrier(
            NewCarrier("acme", CarrierKind.TELNYX, NOW, media_hosts=("127.0.0.1",))
        )
    fetch = mms.Fetcher(store, tmp_path / "media", mms.client())
    text = InboundText(7, "k", OFFICE, GRACE, GRACE, "look", None, "carrier", NOW,
                       carrier_id=carrier.id,
                       media=(Media(dead, "image/jpeg"), Media("file:///etc/passwd")))  # fmt: skip
    try:
        found = await fetch(text)
    finally:
        await fetch.client.aclose()
    assert found == [
        {"url": dead, "not_fetched": "could not fetch it: ConnectError"},
        {
            "url": "file:///etc/passwd",
            "not_fetched": "the attachment's URL must be http:// or https:// with a host",
        },
    ]
    assert not list((tmp_path / "media" / "mms").glob("*"))
