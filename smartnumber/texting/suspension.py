"""Texting suspensions (SPEC 7): the detectors run on every text an agent starts.

- A reply (the lead's latest text came in after the agent's latest text to them) is
  always allowed and never checked: the lead texted first.
- A suspended agent may not start texts until the suspension ends (30 days from the
  offence) or an admin lifts it.
- Otherwise the detectors (spam/) look at the agent's last 30 days. If one fires, the
  agent is warned and nothing is sent; sending anyway sends it and suspends the agent.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from ..errors import UserError
from ..model import ActivityKind, Agent, Detail, Direction, Suspension
from ..routing.texting import Keyword
from ..spam import bulk_optouts, carrier_filtered, repeated, unanswered
from ..spam.config import SpamConfig
from ..spam.finding import Finding
from ..spam.history import OptOut, Reply, Sent
from ..storage.repository import Contacts, NewActivity, Repository, Texting
from ..webhooks import events
from .carriers.codes import Meaning

SUSPENSION = timedelta(days=30)
LOOKBACK = timedelta(days=30)


@dataclass(frozen=True)
class Gate:
    suspended: Suspension | None  # in force now
    reply: bool  # the lead texted first: allowed, not checked
    findings: tuple[Finding, ...]  # what this text would trip


async def active(repo: Texting, agent_id: int, now: datetime) -> Suspension | None:
    return next((s for s in await repo.suspensions(agent_id) if s.active(now)), None)


async def check(
    repo: Repository, agent: Agent, to: str, body: str, now: datetime, config: SpamConfig
) -> Gate:
    since = now - LOOKBACK
    sent = [Sent(t.at, t.to, t.body) for t in await repo.agent_texts(agent.id, since)]
    last_out = max((s.at for s in sent if s.lead == to), default=None)
    inbound = await repo.texts_from(sorted({s.lead for s in sent} | {to}), since)
    last_in = max((t.at for t in inbound if t.sender == to), default=None)
    current = await active(repo, agent.id, now)
    if last_in is not None and (last_out is None or last_in > last_out):
        return Gate(current, True, ())
    if current is not None:
        return Gate(current, False, ())
    new = Sent(now, to, body)
    replies = [Reply(t.at, t.sender) for t in inbound if t.keyword != Keyword.OPT_OUT]
    opt_outs = [OptOut(t.at, t.sender) for t in inbound if t.keyword == Keyword.OPT_OUT]
    spam = Meaning.SPAM_FILTERED.value
    filtered = [
        Sent(at, lead, "") for at, lead in await repo.carrier_flagged_texts(agent.id, spam, since)
    ]
    found = (
        repeated.check(new, sent, config),
        unanswered.check(new, sent, replies, config),
        bulk_optouts.check(new, sent, opt_outs, config),
        carrier_filtered.check(new, filtered, config),
    )
    return Gate(None, False, tuple(f for f in found if f is not None))


def refusal(suspension: Suspension) -> str:
    return (
        f"Text not sent - suspended from starting texts until"
        f" {suspension.ends_at:%Y-%m-%d %H:%M} UTC ({suspension.summary})"
    )


async def suspend(repo: Repository, agent: Agent, finding: Finding, now: datetime) -> Suspension:
    """Suspend the agent from starting texts for 30 days from now, the offence; the
    evidence goes on the record and on the timelines of the leads it names."""
    evidence = tuple(
        {"at": e.at.isoformat(), "lead": e.lead, "what": e.what} for e in finding.evidence
    )
    draft = Suspension(
        0, agent.id, finding.pattern, finding.summary, evidence, now, now + SUSPENSION
    )
    made = replace(draft, id=await repo.add_suspension(draft))
    await events.publish(
        repo,
        events.AGENT_SUSPENDED,
        {
            "suspension_id": made.id,
            "agent": agent.name,
            "pattern": made.pattern,
            "summary": made.summary,
            "ends_at": made.ends_at.isoformat(),
        },
        at=now,
        agent_id=agent.id,
    )
    until = f"{made.ends_at:%Y-%m-%d}"
    note = f"{agent.name} suspended from starting texts until {until}: {finding.summary}"
    await _audit(repo, agent, {e.lead for e in finding.evidence}, now, note, made.id)
    return made


async def lift(repo: Repository, agent: Agent, reason: str, now: datetime) -> Suspension:
    current = await active(repo, agent.id, now)
    if current is None:
        raise UserError(f"{agent.name} is not suspended")
    if not reason.strip():
        raise UserError("say why with --reason")
    await repo.lift_suspension(current.id, now, reason.strip())
    await events.publish(
        repo,
        events.AGENT_SUSPENSION_LIFTED,
        {"suspension_id": current.id, "agent": agent.name, "reason": reason.strip()},
        at=now,
        agent_id=agent.id,
    )
    leads = {e["lead"] for e in current.evidence}
    note = f"{agent.name}'s texting suspension lifted early: {reason.strip()}"
    await _audit(repo, agent, leads, now, note, current.id)
    return current


async def _audit(
    repo: Contacts, agent: Agent, leads: set[str], now: datetime, note: str, suspension_id: int
) -> None:
    for lead in sorted(leads):
        for contact in await repo.contacts_by_phone(lead):
            await repo.add_activity(
                NewActivity(
                    contact_id=contact.id,
                    kind=ActivityKind.NOTE,
                    direction=Direction.INTERNAL,
                    at=now,
                    agent_id=agent.id,
                    detail={Detail.TEXT: note, "suspension": suspension_id},
                )
            )
