"""Delivery receipts: a carrier's status callbacks move a text queued -> sent ->
delivered, or to failed/undelivered, and never back (a late `sent` after `delivered`
changes nothing). Every callback is kept first, one per (message, status), so one sent
twice is one receipt; the text's state is then the furthest the kept receipts say, so
the order they arrive in does not matter -- nor whether they came before the outbox had
written down the carrier's message id (settle() runs again when it does)."""

from __future__ import annotations

from datetime import datetime

from ...storage.repository import Repository
from .. import progress
from . import knowledge, wire


async def record(repo: Repository, carrier_id: int, receipt: wire.Receipt, at: datetime) -> bool:
    """Keep a receipt and act on it; False when it had come before."""
    kept = await repo.add_carrier_receipt(
        carrier_id, receipt.message_id, receipt.status, receipt.code, at
    )
    if kept:
        await settle(repo, carrier_id, receipt.message_id, at)
    return kept


async def settle(repo: Repository, carrier_id: int, message_id: str, at: datetime) -> None:
    """Bring the text the carrier calls message_id as far as its receipts say."""
    text = await repo.text_by_carrier_message(carrier_id, message_id)
    carrier = await repo.carrier_by_id(carrier_id)
    if text is None or carrier is None:
        return  # not ours yet: kept until the outbox records the id
    kept = await repo.carrier_receipts(carrier_id, message_id)
    if not kept:
        return
    status, code = max(kept, key=lambda r: wire.RANK[r[0]])  # the first of the furthest
    if wire.RANK[status] <= wire.RANK[text.delivery or wire.QUEUED]:
        return
    reason = None
    if status in wire.FAILURES:
        learnt = await knowledge.learn(repo, carrier, text, status, code, at)
        reason = f"{carrier.name}: {status}" + (f", code {code} ({learnt.says})" if code else "")
    else:
        await repo.set_text_delivery(text.id, status, None, None)
    await progress.show(repo, text, status, at, reason, code=code or None)
