"""What happens to an inbound text (SPEC 6): keywords (opt-out, opt-in, help), text codes,
an agent's own cell, a contact's text forwarded to the owning agent, an unknown number's
to whoever the number routes to. receive() decides, writes the timeline and puts the
replies in the outbox in the same transaction; the routing service delivers them. The
body is data from start to end: stored, compared, forwarded, never interpreted."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from .. import phone, settings
from ..calls import inbound as calls
from ..directory import numbers
from ..errors import UserError
from ..model import (
    ActivityKind,
    Agent,
    ConsentEvent,
    ConsentMethod,
    Contact,
    ContactPhone,
    Detail,
    Direction,
    Outgoing,
    SmartNumber,
    TextCode,
)
from ..routing import texting
from ..routing.texting import Keyword, TextAction
from ..storage.repository import Compliance, NewActivity, NewContact, Repository
from ..webhooks import events
from . import consent, outbox

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
    repo: Repository,
    sender_raw: str,
    to_raw: str,
    body: str,
    now: datetime,
    *,
    media: Sequence[Mapping[str, Any]] = (),
) -> Handled:
    """An inbound text from sender_raw to the Smart Number to_raw (an MMS: `media`, its
    attachments as fetched); what it makes the system send is queued in the outbox
    (automatic texts only where they may go)."""
    handled = await _receive(repo, sender_raw, to_raw, body, now, [dict(m) for m in media])
    policy = outbox.AutomaticPolicy.from_settings(await settings.load(repo))
    for message in handled.outgoing:
        queued = await outbox.queue(repo, message, now, policy=policy)
        handled.queued.append(queued)
        if queued.refused:
            handled.notes.append(f"not texted ({message.purpose}): {queued.refused}")
    return handled


async def _receive(
    repo: Repository,
    sender_raw: str,
    to_raw: str,
    body: str,
    now: datetime,
    media: list[dict[str, Any]],
) -> Handled:
    number = await numbers.number_called(repo, to_raw)
    handled = Handled()
    try:
        sender = phone.to_e164(sender_raw)
    except UserError:
        handled.notes.append("ignored: the sender is not a phone number")
        return handled
    facts, contacts, code = await _facts(repo, number, sender, body, now)
    decision = texting.decide(facts)
    agent = await repo.agent_by_id(decision.agent_id) if decision.agent_id else None
    said = Said(sender, body, media)
    await _act(repo, handled, decision, number, said, contacts, code, agent, now)
    return handled


@dataclass(frozen=True)
class Said:
    """What came in: from whom, the words, an MMS's attachments."""

    sender: str
    body: str
    media: list[dict[str, Any]]

    def detail(self) -> dict[str, Any]:
        """For the timeline entry and the text.received event."""
        return {Detail.TEXT: self.body, Detail.FROM: self.sender} | (
            {"media": self.media} if self.media else {}
        )

    def forwarded(self, flagged: bool = False) -> str:
        """The words as forwarded to an agent's cell: attachments mentioned, and a
        warning first when they may ask to stop texting."""
        count = len(self.media)
        warning = "[may ask you to stop texting: your next text waits] " if flagged else ""
        return warning + self.body + (f" [+{count} attachment(s) on the timeline]" if count else "")


async def _facts(
    repo: Repository, number: SmartNumber, sender: str, body: str, now: datetime
) -> tuple[texting.TextFacts, list[Contact], TextCode | None]:
    """What decide() needs, with the contacts and text code it is about."""
    from_agent = await repo.agent_by_cell(sender) is not None
    contacts = [] if from_agent else await repo.contacts_by_phone(sender)
    key = texting.code_key(body)  # case, surrounding spaces and punctuation ignored
    code = await repo.text_code(key) if texting.is_code(key) and not from_agent else None
    owner = None
    for agent_id in (contacts[0].assigned_agent_id, contacts[0].owner_agent_id) if contacts else ():
        found = await repo.agent_by_id(agent_id) if agent_id is not None else None
        if found is not None and found.active:
            owner = found
            break
    code_agent = await repo.agent_by_id(code.agent_id) if code and code.agent_id else None
    routed_via = number
    if code is not None and code.number_id is not None:  # new leads of the code: its number's
        routed_via = await repo.number_by_id(code.number_id) or number
    by_code = code_agent is not None and code_agent.active and not contacts
    needs_routing = not from_agent and texting.keyword(body) is None and not owner and not by_code
    routed = await _routed_agent(repo, routed_via, sender, now) if needs_routing else None
    facts = texting.TextFacts(
        body=body,
        from_agent_cell=from_agent,
        code_exists=code is not None,
        known_contact=bool(contacts),
        owner_agent_id=owner.id if owner else None,
        code_agent_id=code_agent.id if code_agent and code_agent.active else None,
        routed_agent_id=routed.id if routed else None,
        phrases=tuple(await repo.optout_phrases()),
    )
    return facts, contacts, code


async def _act(
    repo: Repository,
    handled: Handled,
    decision: texting.TextDecision,
    number: SmartNumber,
    said: Said,
    contacts: list[Contact],
    code: TextCode | None,
    agent: Agent | None,
    now: datetime,
) -> None:
    """Carry a decision out: the timeline, the opt-out, the replies to send."""
    sender, body = said.sender, said.body
    reply = _replier(handled, number)
    action = decision.action
    if action is TextAction.NOT_DELIVERED:
        reply(sender, NOT_DELIVERED, "not-delivered")
        handled.notes.append("from an agent's own cell: not delivered")
    elif action is TextAction.KEYWORD and decision.keyword is not None:
        keyword = decision.keyword
        if keyword is not Keyword.HELP:
            out = keyword is Keyword.OPT_OUT
            await consent.opt(
                repo, sender, out, now, contact_ids=[c.id for c in contacts], text=body
            )
        rule: dict[str, Any] = {"revocation_rule": decision.rule} if decision.rule else {}
        await _log(repo, contacts, number, now, said, keyword=keyword.value, **rule)
        company = (await settings.load(repo))["company.name"]
        reply(sender, confirmation(keyword, company), "confirmation")
        handled.notes.append(f"{keyword.value} from {sender}")
    elif action is TextAction.CODE_FROM_CONTACT and code is not None:
        await _log(repo, contacts, number, now, said, text_code=code.code)
        reply(sender, code.reply, "auto-reply")
        handled.notes.append(f"text code {code.code} from a known contact")
    elif action is TextAction.CODE_NEW_LEAD and code is not None:
        lead = await repo.add_contact(
            NewContact(
                name=f"Text lead {sender}",
                phones=(ContactPhone(sender),),
                created_at=now,
                owner_agent_id=agent.id if agent else None,
                source=f"text-code:{code.code}",
            )
        )
        await events.lead_created(repo, lead, now)
        await repo.add_consent_event(  # they asked by texting the code: consent, by text
            ConsentEvent(sender, "consent", now, ConsentMethod.TEXT_CODE, f"texted {body[:200]!r}")
        )
        await _log(repo, [lead], number, now, said, agent=agent, text_code=code.code)
        reply(sender, code.reply, "auto-reply")
        if agent is not None:
            alert = f"New lead from text code {code.code.upper()}: {sender} - {body}"
            reply(agent.cell, alert, "lead-alert")
        handled.notes.append(
            f"text code {code.code}: new lead for {agent.name if agent else 'nobody'}"
        )
    elif action is TextAction.FORWARD_CONTACT:
        flag = await _flag(repo, handled, decision, said, now)
        await _log(repo, contacts, number, now, said, agent=agent, **flag)
        if agent is not None:
            words = texting.forwarded(contacts[0].name, sender, said.forwarded(decision.flagged))
            reply(agent.cell, words, "forward")
            handled.notes.append(f"forwarded to {agent.name}")
        else:
            handled.notes.append("no agent to forward to")
    else:  # an unknown number, not a text code: forwarded, no lead
        await _flag(repo, handled, decision, said, now)
        await _received(repo, None, number, now, said, agent)
        if agent is not None:
            words = texting.forwarded("Unknown", sender, said.forwarded(decision.flagged))
            reply(agent.cell, words, "forward")
            handled.notes.append(f"from an unknown number: forwarded to {agent.name}, no lead")
        else:
            handled.notes.append("from an unknown number: nobody to forward to")


async def _flag(
    repo: Compliance, handled: Handled, decision: texting.TextDecision, said: Said, now: datetime
) -> dict[str, Any]:
    """A message that may ask to stop: the agent's next text to the number waits for them
    to confirm they read it; what the timeline entry says about it."""
    if not decision.flagged:
        return {}
    await repo.hold_texts_to(said.sender, said.body, decision.rule, now)
    handled.notes.append(f"flagged ({decision.rule}): may be a request to stop texting")
    return {Detail.REVOCATION: "ambiguous", "revocation_rule": decision.rule}


def _replier(handled: Handled, number: SmartNumber) -> Callable[[str, str, str], None]:
    def reply(to: str, body: str, purpose: str) -> None:
        handled.outgoing.append(Outgoing(number.e164, to, body, purpose))

    return reply


async def _routed_agent(
    repo: Repository, number: SmartNumber, sender: str, now: datetime
) -> Agent | None:
    """Whom the number's routing picks for this sender (the first agent it would ring)."""
    decision = await calls.explain(repo, number.e164, sender, now)
    found = await repo.agents_by_ids(decision.agent_ids[:1])
    return found[0] if found else None


async def _log(
    repo: Repository,
    contacts: list[Contact],
    number: SmartNumber,
    now: datetime,
    said: Said,
    *,
    agent: Agent | None = None,
    **detail: Any,
) -> None:
    for contact in contacts:
        await _received(repo, contact, number, now, said, agent)
        await repo.add_activity(
            NewActivity(
                contact_id=contact.id,
                kind=ActivityKind.TEXT,
                direction=Direction.INBOUND,
                at=now,
                agent_id=agent.id if agent else None,
                smart_number_id=number.id,
                detail=said.detail() | detail,
                peer=said.sender,
            )
        )


async def _received(
    repo: Repository,
    contact: Contact | None,
    number: SmartNumber,
    now: datetime,
    said: Said,
    agent: Agent | None,
) -> None:
    await events.publish(
        repo,
        events.TEXT_RECEIVED,
        {
            "contact_id": contact.id if contact else None,
            "from": said.sender,
            "to": number.e164,
            "text": said.body,
            "media": said.media,
            "agent": agent.name if agent else None,
        },
        at=now,
        contact_id=contact.id if contact else None,
        agent_id=agent.id if agent else None,
    )


# -- sending ----------------------------------------------------------------------------------
