"""What the store keeps for texts through HTTP carriers: the carrier's message id on an
outbox row, receipts once per (message, status), how far a text got, the texts a
carrier filtered per agent, and inbound texts with their carrier and media."""

from __future__ import annotations

from datetime import timedelta

from smartnumber.model import ActivityKind, CarrierKind, Direction, Media, Scope
from smartnumber.storage import Store
from smartnumber.storage.repository import (
    NewActivity,
    NewCarrier,
    NewInboundText,
    NewSmartNumber,
    NewText,
)
from tests.contract.test_repository import ANN, T0, ann, people

OFFICE = "+12125550100"


async def test_an_outbox_text_keeps_its_carrier_id_receipts_and_delivery(store: Store) -> None:
    async with store.transaction() as repo:
        office, _, bob = await people(repo)
        await repo.add_number(NewSmartNumber(OFFICE, Scope.OFFICE, office))
        carrier = await repo.add_carrier(
            NewCarrier("tx", CarrierKind.TELNYX, T0, "https://api.telnyx.com/v2", "k" * 20, "p")
        )
        contact = await ann(repo, bob.id)
        entry = await repo.add_activity(
            NewActivity(contact, ActivityKind.TEXT, Direction.OUTBOUND, T0, agent_id=bob.id)
        )
        assert entry is not None
        text_id = await repo.queue_text(NewText(OFFICE, ANN, "hi", "sent", T0, entry.id))
        other = await repo.queue_text(NewText(OFFICE, ANN, "again", "sent", T0))
        assert await repo.text_by_carrier_message(carrier.id, "m-1") is None
        await repo.text_handed(text_id, carrier.id, "m-1")
        found = await repo.text_by_carrier_message(carrier.id, "m-1")
        assert found is not None and found.id == text_id
        assert (found.carrier_id, found.carrier_message_id, found.delivery) == (
            carrier.id,
            "m-1",
            "sent",
        )
        assert await repo.add_carrier_receipt(carrier.id, "m-1", "delivered", "", T0)
        assert not await repo.add_carrier_receipt(carrier.id, "m-1", "delivered", "", T0)
        assert await repo.add_carrier_receipt(carrier.id, "m-1", "sent", "", T0)
        assert await repo.carrier_receipts(carrier.id, "m-1") == [("delivered", ""), ("sent", "")]
        assert await repo.carrier_receipts(carrier.id, "m-2") == []

        await repo.set_text_delivery(text_id, "undelivered", "30007", "spam-filtered")
        await repo.set_text_delivery(other, "undelivered", "30005", None)
        spam = await repo.carrier_flagged_texts(bob.id, "spam-filtered", T0 - timedelta(days=1))
        assert spam == [(T0, ANN)]  # the other text has no agent and another meaning
        assert await repo.carrier_flagged_texts(bob.id, "spam-filtered", T0 + timedelta(1)) == []
        kept = await repo.queued_text(text_id)
        assert kept is not None and (kept.delivery, kept.carrier_code) == ("undelivered", "30007")


async def test_an_inbound_text_keeps_its_carrier_and_media(store: Store) -> None:
    async with store.transaction() as repo:
        carrier = await repo.add_carrier(NewCarrier("tw", CarrierKind.TWILIO, T0))
        media = (Media("https://api.twilio.com/m/1", "image/jpeg"), Media("https://x/2"))
        new = NewInboundText(
            "twilio:1:SM1", OFFICE, ANN, "twilio:" + ANN, "look", None, "carrier", T0,
            carrier.id, media,
        )  # fmt: skip
        text_id = await repo.keep_inbound_text(new)
        assert text_id is not None
        assert await repo.keep_inbound_text(new) is None  # the same message id: kept once
        text = await repo.inbound_text(text_id)
        assert text is not None
        assert (text.via, text.carrier_id, text.media) == ("carrier", carrier.id, media)


async def test_texting_activities_page_through_a_period_once_each(store: Store) -> None:
    async with store.transaction() as repo:
        contact = await ann(repo)
        made = []
        for i in range(7):  # five at the same millisecond, then two later; a call between
            at = T0 if i < 5 else T0 + timedelta(seconds=i)
            entry = await repo.add_activity(
                NewActivity(contact, ActivityKind.TEXT, Direction.OUTBOUND, at)
            )
            assert entry is not None
            made.append(entry.id)
            await repo.add_activity(NewActivity(contact, ActivityKind.CALL, Direction.INBOUND, at))
        seen, start, after = [], T0 - timedelta(days=1), 0
        while page := await repo.texting_activities(start, T0 + timedelta(days=1), after, 2):
            seen += [a.id for a in page]
            start, after = page[-1].at, page[-1].id
        assert seen == made
        assert await repo.texting_activities(T0 + timedelta(seconds=6), T0, 0, 10) == []
