"""A carrier's error code becomes what we know about the number (codes.py's table): an
opt-out the carrier enforces is ours too, a landline is marked so, a text filtered as
spam counts against the agent who sent it (spam/carrier_filtered.py), unregistered
traffic points the admin at the registration. Each lands on the contact's timeline."""

from __future__ import annotations

from datetime import datetime

from ...model import ActivityKind, Carrier, Detail, Direction, LineType, QueuedText
from ...storage.repository import NewActivity, Repository
from .. import consent
from .codes import CarrierCode, Meaning, meaning


async def learn(
    repo: Repository, carrier: Carrier, text: QueuedText, delivery: str, code: str, at: datetime
) -> CarrierCode:
    """Record how the text ended (delivery, code) and act on what the code means."""
    found = meaning(carrier.kind.value, code or None)
    learnt = None if found.meaning is Meaning.OTHER else found.meaning
    await repo.set_text_delivery(text.id, delivery, code or None, learnt.value if learnt else None)
    if learnt is None:
        return found
    entry = await repo.activity_by_id(text.activity_id) if text.activity_id else None
    if learnt is Meaning.OPTED_OUT:
        did = "the number is marked opted out"
        if not await repo.opted_out(text.recipient):
            about = [entry.contact_id] if entry else []
            await consent.opt(
                repo, text.recipient, True, at, contact_ids=about, text=None, by="carrier"
            )
    elif learnt is Meaning.LANDLINE:
        await repo.set_line_type(text.recipient, LineType.LANDLINE)
        did = "the number is marked a landline"
    elif learnt is Meaning.SPAM_FILTERED:
        did = "it counts toward the agent's spam signals"
    else:
        did = f"see `smartnumber compliance show {text.sender}`"
    if entry is not None:
        note = f"Carrier {carrier.name} code {found.code} ({found.says}): {did}"
        await repo.add_activity(
            NewActivity(
                contact_id=entry.contact_id,
                kind=ActivityKind.NOTE,
                direction=Direction.INTERNAL,
                at=at,
                agent_id=entry.agent_id,
                smart_number_id=entry.smart_number_id,
                detail={Detail.TEXT: note, "carrier_code": found.code, "meaning": learnt.value},
            )
        )
    return found
