"""Texts (SPEC 6): what happens to an inbound text, and whether an agent may send one.

receive() and send() decide, write the timeline, and put the texts to deliver in the
outbox (outbox.py) in the same transaction; the routing service delivers them from
there. The body is data from start to end: stored, compared, forwarded, never
interpreted.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from .. import phone, settings
from ..calls import inbound as calls
from ..directory import organisation as provision
from ..errors import UserError
from ..model import (
    ActivityKind,
    Agent,
    Contact,
    ContactPhone,
    Direction,
    LineType,
    Outgoing,
    SmartNumber,
    Suspension,
    TextCode,
)
from ..routing import texting
from ..routing.texting import Keyword
from ..spam.config import SpamConfig
from ..storage.repository import NewActivity, NewContact, Repository
from . import compliance, outbox, suspension
from . import notices as mail

NOT_DELIVERED = (
    "This text will not be delivered: a Smart Number does not forward your own texts."
    " Reply to leads through smartnumber."
)


def lost_body(size: int) -> str:
    """What stands for a text whose body Asterisk did not pass on."""
    return f"[a text of {size} bytes whose words were lost: Asterisk 16 takes at most 1023]"


@dataclass
class Handled:
    outgoing: list[Outgoing] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # what was done, for logs and `inject`
    queued: list[outbox.Queued] = field(default_factory=list)  # in the outbox, or refused


def confirmation(keyword: Keyword, company: str) -> str:
    if keyword is Keyword.OPT_OUT:
        return f"{company}: you are unsubscribed and will get no more texts. Reply START to undo."
    if keyword is Keyword.OPT_IN:
        return f"{company}: you are subscribed again. Reply STOP to opt out."
    return f"{company}: reply STOP to opt out of texts, START to opt back in."


async def receive(
    repo: Repository, sender_raw: str, to_raw: str, body: str, now: datetime
) -> Handled:
    """An inbound text from sender_raw to the Smart Number to_raw; what it makes the
    system send is queued in the outbox (automatic texts only where they may go)."""
    handled = await _receive(repo, sender_raw, to_raw, body, now)
    policy = outbox.AutomaticPolicy.from_settings(await settings.load(repo))
    for message in handled.outgoing:
        queued = await outbox.queue(repo, message, now, policy=policy)
        handled.queued.append(queued)
        if queued.refused:
            handled.notes.append(f"not texted ({message.purpose}): {queued.refused}")
    return handled


async def _receive(
    repo: Repository, sender_raw: str, to_raw: str, body: str, now: datetime
) -> Handled:
    number = await provision.number_called(repo, to_raw)
    handled = Handled()
    try:
        sender = phone.to_e164(sender_raw)
    except UserError:
        handled.notes.append("ignored: the sender is not a phone number")
        return handled
    reply = _replier(handled, number)
    agents = await repo.list_agents()
    if any(a.cell == sender for a in agents):  # the number cannot text itself
        reply(sender, NOT_DELIVERED, "not-delivered")
        handled.notes.append("from an agent's own cell: not delivered")
        return handled
    contacts = await repo.contacts_by_phone(sender)
    company = (await settings.load(repo))["company.name"]
    keyword = texting.keyword(body)
    if keyword is not None:
        if keyword is not Keyword.HELP:
            await repo.set_opted_out(sender, now if keyword is Keyword.OPT_OUT else None)
        await _log(repo, contacts, number, now, body, sender, keyword=keyword.value)
        reply(sender, confirmation(keyword, company), "confirmation")
        handled.notes.append(f"{keyword.value} from {sender}")
        return handled
    key = texting.code_key(body)  # case, surrounding spaces and punctuation ignored
    code = await repo.text_code(key) if texting.is_code(key) else None
    if code is not None:
        await _text_code(repo, handled, number, sender, contacts, agents, code, body, now)
        return handled
    flag = {"revocation": True} if texting.reads_like_revocation(body) else {}
    if contacts:
        contact = contacts[0]
        agent = await _agent_for(repo, number, contact, sender, agents, now)
        await _log(repo, contacts, number, now, body, sender, agent=agent, **flag)
        if agent is not None:
            reply(agent.cell, texting.forwarded(contact.name, sender, body), "forward")
            handled.notes.append(f"forwarded to {agent.name}")
        else:
            handled.notes.append("no agent to forward to")
        if flag:
            handled.notes.append("flagged: reads like a request to stop texting")
        return handled
    # An unknown number, not a text code: forwarded to whoever the number routes to, no lead.
    agent = await _routed_agent(repo, number, sender, agents, now)
    if agent is not None:
        reply(agent.cell, texting.forwarded("Unknown", sender, body), "forward")
        handled.notes.append(f"from an unknown number: forwarded to {agent.name}, no lead")
    else:
        handled.notes.append("from an unknown number: nobody to forward to")
    return handled


def _replier(handled: Handled, number: SmartNumber) -> Callable[[str, str, str], None]:
    def reply(to: str, body: str, purpose: str) -> None:
        handled.outgoing.append(Outgoing(number.e164, to, body, purpose))

    return reply


async def _text_code(
    repo: Repository,
    handled: Handled,
    number: SmartNumber,
    sender: str,
    contacts: list[Contact],
    agents: list[Agent],
    code: TextCode,
    body: str,
    now: datetime,
) -> None:
    reply = _replier(handled, number)
    if contacts:  # known already: the reply and an entry, no second lead
        await _log(repo, contacts, number, now, body, sender, text_code=code.code)
        reply(sender, code.reply, "auto-reply")
        handled.notes.append(f"text code {code.code} from a known contact")
        return
    agent = next((a for a in agents if a.id == code.agent_id and a.active), None)
    if agent is None:
        routed_number = number
        if code.number_id is not None:
            routed_number = next(
                (n for n in await repo.list_numbers() if n.id == code.number_id), number
            )
        agent = await _routed_agent(repo, routed_number, sender, agents, now)
    lead = await repo.add_contact(
        NewContact(
            name=f"Text lead {sender}",
            phones=(ContactPhone(sender),),
            created_at=now,
            owner_agent_id=agent.id if agent else None,
            source=f"text-code:{code.code}",
        )
    )
    await _log(repo, [lead], number, now, body, sender, agent=agent, text_code=code.code)
    reply(sender, code.reply, "auto-reply")
    if agent is not None:
        alert = f"New lead from text code {code.code.upper()}: {sender} - {body}"
        reply(agent.cell, alert, "lead-alert")
    handled.notes.append(f"text code {code.code}: new lead for {agent.name if agent else 'nobody'}")


async def _agent_for(
    repo: Repository,
    number: SmartNumber,
    contact: Contact,
    sender: str,
    agents: list[Agent],
    now: datetime,
) -> Agent | None:
    """The contact's owning agent (or the one working the lead), else the routing's pick."""
    by_id = {a.id: a for a in agents}
    for agent_id in (contact.assigned_agent_id, contact.owner_agent_id):
        agent = by_id.get(agent_id) if agent_id is not None else None
        if agent is not None and agent.active:
            return agent
    return await _routed_agent(repo, number, sender, agents, now)


async def _routed_agent(
    repo: Repository, number: SmartNumber, sender: str, agents: list[Agent], now: datetime
) -> Agent | None:
    decision = await calls.explain(repo, number.e164, sender, now)
    by_id = {a.id: a for a in agents}
    return next((by_id[i] for i in decision.agent_ids if i in by_id), None)


async def _log(
    repo: Repository,
    contacts: list[Contact],
    number: SmartNumber,
    now: datetime,
    body: str,
    sender: str,
    *,
    agent: Agent | None = None,
    **detail: Any,
) -> None:
    for contact in contacts:
        await repo.add_activity(
            NewActivity(
                contact_id=contact.id,
                kind=ActivityKind.TEXT,
                direction=Direction.INBOUND,
                at=now,
                agent_id=agent.id if agent else None,
                smart_number_id=number.id,
                detail={"text": body, "from": sender, **detail},
            )
        )


# -- sending ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Sent:
    outgoing: Outgoing | None  # None: refused, or held back by a warning
    refused: str | None  # the one-line reason, also on the timeline
    contact: str
    warning: str | None = None  # it would trip a spam detector: not sent, no suspension
    suspended: Suspension | None = None  # sent anyway, and the agent is now suspended
    queued: int | None = None  # its id in the outbox


async def send(
    repo: Repository,
    agent_name: str,
    to_text: str,
    body: str,
    now: datetime,
    *,
    anyway: bool = False,
    config: SpamConfig | None = None,
) -> Sent:
    """An agent starts (or answers) a text. Refusals are kept on the timeline as notes,
    so the caller must commit before reporting them. A text that would trip a spam
    detector is held back with a warning unless `anyway`: then it goes and the agent is
    suspended (suspension.py)."""
    agent = await provision.agent_named(repo, agent_name)
    to = phone.to_e164(to_text)
    if not body.strip():
        raise UserError("the message is empty")
    if len(body) > texting.MAX_TEXT_CHARS:
        raise UserError(f"the message is {len(body)} characters; at most {texting.MAX_TEXT_CHARS}")
    choice = await provision.outbound_choice(repo, agent, to, texting=True)
    if choice.number is None:
        raise UserError(f"agent {agent.name} has no Smart Number to text from: {choice.reason}")
    contact = await provision.contact_or_lead(repo, to, agent, "text", now)
    config = config or SpamConfig.from_settings(await settings.load(repo))
    gate = await suspension.check(repo, agent, to, body, now, config)
    if gate.findings and not anyway:
        return Sent(None, None, to, warning="; ".join(f.summary for f in gate.findings))
    refused = await _refusal(repo, choice.number, to)
    if refused is None and gate.suspended is not None and not gate.reply:
        refused = suspension.refusal(gate.suspended)
    entry = {"text": body, "from": choice.number.e164, "to": to}
    added = await repo.add_activity(
        NewActivity(
            contact_id=contact.id,
            kind=ActivityKind.TEXT if refused is None else ActivityKind.NOTE,
            direction=Direction.OUTBOUND if refused is None else Direction.INTERNAL,
            at=now,
            agent_id=agent.id,
            smart_number_id=choice.number.id,
            detail=entry | ({"status": "queued"} if refused is None else {"text": refused}),
        )
    )
    if refused is not None:
        return Sent(None, refused, to)
    made = None
    if gate.findings:  # sent anyway: the agent is suspended and the admins told
        made = await suspension.suspend(repo, agent, gate.findings[0], now)
        await mail.queue_suspension_notices(repo, agent, made, now)
    message = Outgoing(choice.number.e164, to, body, "sent")
    queued = await outbox.queue(
        repo, message, now, policy=outbox.AutomaticPolicy(), activity_id=added.id if added else None
    )
    return Sent(message, None, to, suspended=made, queued=queued.id)


async def _refusal(repo: Repository, sender: SmartNumber, to: str) -> str | None:
    """Why this text may not go, as the timeline note says it; None when it may (an
    agent's suspension is checked by the caller: replies may still go)."""
    if await repo.opted_out(to):
        return "Text not sent - the contact opted out"
    if await repo.line_type(to) is LineType.LANDLINE:
        return "Text not sent - landline"
    unregistered = await compliance.clearance(repo, sender)
    if unregistered is not None:
        return f"Text not sent - {unregistered}"
    return None
