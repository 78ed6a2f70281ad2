"""Texts an agent sends (SPEC 6): whether they may, what the timeline says, into the
outbox. Refusals (opted out, landline, a number not cleared to text, a suspended agent)
are notes on the timeline; a text that would trip a spam rule is held back with a
warning, or sent anyway and the agent suspended."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from .. import clock, phone, settings
from ..calls.handling import allow_territories
from ..directory import contacts, numbers, organisation
from ..errors import UserError
from ..model import (
    ActivityKind,
    Detail,
    Direction,
    LineType,
    Outgoing,
    SmartNumber,
    Suspension,
    TextHold,
)
from ..routing import forwarding, quiet_hours, texting
from ..spam.config import SpamConfig
from ..storage.repository import NewActivity, Repository, Texting
from . import compliance, consent, outbox, suspension
from . import notices as mail


@dataclass(frozen=True)
class Sent:
    outgoing: Outgoing | None  # None: refused, or held back by a warning
    refused: str | None  # the one-line reason, also on the timeline
    contact: str
    warning: str | None = None  # it would trip a spam detector: not sent, no suspension
    suspended: Suspension | None = None  # sent anyway, and the agent is now suspended
    queued: int | None = None  # its id in the outbox
    held: str | None = None  # the lead may have asked to stop: confirm with `anyway`
    waits: quiet_hours.Verdict | None = None  # queued until the recipient's window opens


async def send(
    repo: Repository,
    agent_name: str,
    to_text: str,
    body: str,
    now: datetime,
    *,
    anyway: bool = False,
    config: SpamConfig | None = None,
    no_wait: bool = False,
) -> Sent:
    """An agent starts (or answers) a text. Refusals (opted out, landline, registration,
    consent, suspension, quiet hours with `no_wait`) are kept on the timeline as notes,
    so the caller must commit before reporting them. Held back unless `anyway`: the next
    text after the lead wrote something that may ask to stop, and a text that would trip
    a spam detector (sent anyway, the agent is suspended: suspension.py). Outside the
    recipient's texting window it waits in the outbox; the first text to a number says
    how to opt out."""
    agent = await organisation.agent_named(repo, agent_name)
    to = phone.to_e164(to_text)
    # Texts go only to the US and Canada (premium and pay-per-use ranges refused too).
    verdict = forwarding.check(to, allow_us_territories=await allow_territories(repo))
    if not verdict.allowed:
        raise UserError(f"not texting {to}: {verdict.reason}")
    if not body.strip():
        raise UserError("the message is empty")
    if len(body) > texting.MAX_TEXT_CHARS:
        raise UserError(f"the message is {len(body)} characters; at most {texting.MAX_TEXT_CHARS}")
    choice = await numbers.outbound_choice(repo, agent, to, texting=True)
    if choice.number is None:
        raise UserError(f"agent {agent.name} has no Smart Number to text from: {choice.reason}")
    contact = await contacts.contact_or_lead(repo, to, agent, "text", now)
    hold = await repo.text_hold(to)
    if hold is not None and not anyway and not await repo.opted_out(to):
        return Sent(None, None, to, held=held_because(hold))
    if hold is not None:
        await repo.release_text_hold(to)  # the agent read it and sends all the same
    values = await settings.load(repo)
    config = config or SpamConfig.from_settings(values)
    gate = await suspension.check(repo, agent, to, body, now, config)
    if gate.findings and not anyway:
        return Sent(None, None, to, warning="; ".join(f.summary for f in gate.findings))
    refused = await _refusal(repo, choice.number, to, values)
    if refused is None and gate.suspended is not None and not gate.reply:
        refused = suspension.refusal(gate.suspended)
    waits = await quiet(repo, to, now, values) if refused is None else None
    if waits is not None and no_wait:
        refused = f"Text not sent - quiet hours: {waits.explain()}"
        waits = None
    disclosure = await disclosure_for(repo, to, body, values) if refused is None else None
    entry = {Detail.TEXT: body, Detail.FROM: choice.number.e164, Detail.TO: to}
    if disclosure is not None:
        entry["disclosure"] = disclosure  # sent below the agent's words
    if waits is not None and waits.opens is not None:
        entry["waits_until"] = waits.opens.isoformat()  # quiet hours where it goes
    added = await repo.add_activity(
        NewActivity(
            contact_id=contact.id,
            kind=ActivityKind.TEXT if refused is None else ActivityKind.NOTE,
            direction=Direction.OUTBOUND if refused is None else Direction.INTERNAL,
            at=now,
            agent_id=agent.id,
            smart_number_id=choice.number.id,
            detail=entry
            | ({Detail.STATUS: "queued"} if refused is None else {Detail.TEXT: refused}),
            peer=to if refused is None else None,
        )
    )
    if refused is not None:
        return Sent(None, refused, to)
    made = None
    if gate.findings:  # sent anyway: the agent is suspended and the admins told
        made = await suspension.suspend(repo, agent, gate.findings[0], now)
        await mail.queue_suspension_notices(repo, agent, made, now)
    words = f"{body}\n{disclosure}" if disclosure else body
    message = Outgoing(choice.number.e164, to, words, "sent")
    queued = await outbox.queue(
        repo,
        message,
        now,
        policy=outbox.AutomaticPolicy(),
        activity_id=added.id if added else None,
        not_before=waits.opens if waits else None,
    )
    return Sent(message, None, to, suspended=made, queued=queued.id, waits=waits)


async def quiet(
    repo: Texting, to: str, now: datetime, values: Mapping[str, str]
) -> quiet_hours.Verdict | None:
    """Why and until when a text to `to` must wait (outside the recipient's texting
    window), or None: it may go now -- also when it answers the lead's own text of the
    last `texting.reply_window_minutes`."""
    verdict = quiet_hours.check(
        now,
        to,
        clock.window(values["texting.window"]),
        clock.state_windows(values["texting.state_windows"]),
    )
    if verdict.opens is None:
        return None
    minutes = int(values["texting.reply_window_minutes"])
    if minutes and await repo.texts_from([to], now - timedelta(minutes=minutes)):
        return None  # the lead just texted: answering at once is expected
    return verdict


_TELLS_HOW = re.compile(r"\b(stop|opt[ -]?out|unsubscribe)\b", re.IGNORECASE)


async def disclosure_for(
    repo: Texting, to: str, body: str, values: Mapping[str, str]
) -> str | None:
    """The line that tells how to opt out (setting texting.disclosure), for the first
    text to a number, unless the agent already wrote how; later texts do not repeat it."""
    if _TELLS_HOW.search(body) or await repo.ever_texted(to):
        return None
    return values["texting.disclosure"]


def held_because(hold: TextHold) -> str:
    # Not what they wrote: the words are on the timeline, for whoever may read it.
    return (
        f"{hold.e164} wrote on {hold.at:%Y-%m-%d %H:%M} UTC a message that may ask you to"
        f" stop texting ({hold.rule}); read it on their timeline, then send anyway if not"
    )


async def _refusal(
    repo: Repository, sender: SmartNumber, to: str, values: Mapping[str, str]
) -> str | None:
    """Why this text may not go, as the timeline note says it; None when it may (an
    agent's suspension is checked by the caller: replies may still go)."""
    if await repo.opted_out(to):
        return "Text not sent - the contact opted out"
    if await repo.line_type(to) is LineType.LANDLINE:
        return "Text not sent - landline"
    unregistered = await compliance.clearance(repo, sender)
    if unregistered is not None:
        return f"Text not sent - {unregistered}"
    required = values["texting.require_consent"] == "yes"
    missing = await consent.refusal(repo, to, required)
    return f"Text not sent - {missing}" if missing else None
