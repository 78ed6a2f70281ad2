"""Plain-dict views of the model for output: names instead of ids, E.164 strings."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from ..asterisk import Registration
from ..model import (
    Activity,
    Agent,
    ApiToken,
    CallerId,
    Contact,
    Email,
    QueuedText,
    Recording,
    SmartNumber,
    Suspension,
    Webhook,
    WebhookDelivery,
)
from ..routing.outbound import OutboundChoice
from ..settings import MASK
from ..storage.repository import Repository


class Names:
    """Id → name lookups for one output, loaded once."""

    def __init__(
        self,
        offices: dict[int, str],
        teams: dict[int, str],
        agents: dict[int, str],
        numbers: dict[int, str],
    ) -> None:
        self.offices, self.teams, self.agents, self.numbers = offices, teams, agents, numbers

    @classmethod
    async def load(cls, repo: Repository) -> Names:
        return cls(
            {o.id: o.name for o in await repo.list_offices()},
            {t.id: t.name for t in await repo.list_teams()},
            {a.id: a.name for a in await repo.list_agents()},
            {n.id: n.e164 for n in await repo.list_numbers()},
        )

    @classmethod
    async def about(
        cls,
        repo: Repository,
        contacts: Sequence[Contact] = (),
        activities: Sequence[Activity] = (),
    ) -> Names:
        """Only the names these contacts and activities mention (a few lookups, where
        load() reads every office, team, agent and number)."""
        agent_ids = {c.owner_agent_id for c in contacts} | {a.agent_id for a in activities}
        team_ids = {c.owner_team_id for c in contacts}
        office_ids = {c.owner_office_id for c in contacts}
        number_ids = {a.smart_number_id for a in activities}
        agents = await repo.agents_by_ids(sorted(i for i in agent_ids if i is not None))
        teams = [await repo.team_by_id(i) for i in sorted(t for t in team_ids if t is not None)]
        offices = [
            await repo.office_by_id(i) for i in sorted(o for o in office_ids if o is not None)
        ]
        numbers = [
            await repo.number_by_id(i) for i in sorted(n for n in number_ids if n is not None)
        ]
        return cls(
            {o.id: o.name for o in offices if o},
            {t.id: t.name for t in teams if t},
            {a.id: a.name for a in agents},
            {n.id: n.e164 for n in numbers if n},
        )

    def office(self, office_id: int | None) -> str | None:
        return self.offices.get(office_id) if office_id is not None else None

    def team(self, team_id: int | None) -> str | None:
        return self.teams.get(team_id) if team_id is not None else None

    def agent(self, agent_id: int | None) -> str | None:
        return self.agents.get(agent_id) if agent_id is not None else None

    def number(self, number_id: int | None) -> str | None:
        return self.numbers.get(number_id) if number_id is not None else None


def agent(a: Agent, names: Names) -> dict[str, Any]:
    view: dict[str, Any] = {
        "name": a.name,
        "cell": a.cell,
        "endpoint": a.endpoint,
        "office": names.office(a.office_id),
        "team": names.team(a.team_id),
        "active": a.active,
        "admin": a.admin,
        "email": a.email,
        "sip_contact": a.sip_contact,
    }
    return view


def agent_detail(a: Agent, names: Names, *, reveal: bool = False) -> dict[str, Any]:
    """One agent shown on its own: with the SIP password, masked unless `reveal`."""
    view = agent(a, names)
    if a.sip_secret:
        view["sip_password"] = a.sip_secret if reveal else MASK
    return view


def registration(r: Registration) -> dict[str, Any]:
    return {"uri": r.uri, "user_agent": r.user_agent, "expires_at": r.expires_at.isoformat()}


def number(n: SmartNumber, names: Names) -> dict[str, Any]:
    owner = {
        "office": names.office(n.office_id),
        "team": names.team(n.team_id),
        "personal": names.agent(n.agent_id),
    }[n.scope.value]
    return {
        "number": n.e164,
        "scope": n.scope.value,
        "owner": owner,
        "primary": n.primary,
        "fallback_agent": names.agent(n.fallback_agent_id),
        "settings": n.settings,
    }


def contact(c: Contact, names: Names) -> dict[str, Any]:
    owner = (
        names.agent(c.owner_agent_id)
        or names.team(c.owner_team_id)
        or names.office(c.owner_office_id)
    )
    return {
        "id": c.id,
        "name": c.name,
        "phones": [
            {"number": p.e164, "subscription": p.subscription.value, "line_type": p.line_type.value}
            for p in c.phones
        ],
        "owner": owner,
        "source": c.source,
        "created_at": c.created_at.isoformat(),
        "external_id": c.external_id,
    }


def activity(a: Activity, names: Names, contact_name: str | None = None) -> dict[str, Any]:
    return {
        "id": a.id,
        "at": a.at.isoformat(),
        "kind": a.kind.value,
        "direction": a.direction.value,
        "contact": contact_name,
        "agent": names.agent(a.agent_id),
        "smart_number": names.number(a.smart_number_id),
        "detail": a.detail,
        "external_id": a.external_id,
    }


def who_rang(kind: str, detail: dict[str, Any]) -> str | None:
    """For a call nobody took, whom it rang ("rang Alice, Bob"): its entry names no agent
    (an agent is whoever talked to the contact), but the reason does."""
    decision = detail.get("decision")
    if kind != "call" or detail.get("status") != "missed" or not isinstance(decision, dict):
        return None
    rang = [str(name) for name in decision.get("agents") or []]
    return f"rang {', '.join(rang)}" if rang else None


def summary(kind: str, detail: dict[str, Any]) -> str:
    """One readable line for a timeline table (--json has everything)."""
    if kind == "call" and detail.get("said"):
        decision = detail.get("decision")
        said = str(detail["said"])
        if isinstance(decision, dict) and decision.get("reason"):
            return f"{said}. {decision['reason']}"
        return said
    if kind == "call" and "status" in detail:
        status = detail["status"]
        if status == "answered":
            who = detail.get("answered_by") or "unknown"
            head = f"answered by {who}, {detail.get('talk_seconds') or 0} s"
        elif status == "agent missed" and detail.get("agent"):
            head = f"agent missed: {detail['agent']}"
        else:
            head = str(status)
        decision = detail.get("decision")
        if isinstance(decision, dict):
            return f"{head}. {decision.get('reason', '')}".strip()
        reason = detail.get("reason")
        if not reason:
            return head
        routing = detail.get("routing_status")
        return f"{head} ({routing}: {reason})" if routing else f"{head} ({reason})"
    if "text" in detail:
        return str(detail["text"])
    if kind in ("recording", "voicemail") and "recording" in detail:
        return f"{detail['recording']}, {detail.get('seconds', 0)} s"
    return "; ".join(f"{k}={v}" for k, v in detail.items())


def recording(r: Recording, names: Names, contact: str | None) -> dict[str, Any]:
    return {
        "id": r.id,
        "kind": r.kind.value,
        "at": r.created_at.isoformat(),
        "contact": contact,
        "smart_number": names.number(r.smart_number_id),
        "seconds": r.seconds,
        "call_id": r.call_id,
        "path": r.path,
    }


def suspension(
    s: Suspension, names: Names, now: datetime, emails: Sequence[Email] = ()
) -> dict[str, Any]:
    status = "lifted" if s.lifted_at else ("in force" if s.active(now) else "ended")
    return {
        "id": s.id,
        "agent": names.agent(s.agent_id),
        "pattern": s.pattern,
        "summary": s.summary,
        "since": s.started_at.isoformat(),
        "until": s.ends_at.isoformat(),
        "status": status,
        "lifted_reason": s.lifted_reason,
        "evidence": list(s.evidence),
        "admins_emailed": [
            {
                "to": e.to,
                "sent": e.sent_at.isoformat() if e.sent_at else None,
                "attempts": e.attempts,
                "last_error": e.last_error,
            }
            for e in emails
        ],
    }


def outbound(agent_name: str, choice: OutboundChoice) -> dict[str, Any]:
    return {
        "agent": agent_name,
        "number": choice.caller_id,
        "level": choice.level,
        "reason": choice.reason,
    }


def queued_text(t: QueuedText) -> dict[str, Any]:
    return {
        "id": t.id,
        "queued_at": t.created_at.isoformat(),
        "status": t.status.value,
        "to": t.recipient,
        "from": t.sender,
        "purpose": t.purpose,
        "attempts": t.attempts,
        "next_attempt": t.not_before.isoformat() if t.status.value == "queued" else None,
        "sent_at": t.sent_at.isoformat() if t.sent_at else None,
        "reason": t.last_error,
        "text": t.body,
        "delivery": t.delivery,  # a carrier's receipts: sent, delivered, failed, undelivered
        "carrier_message_id": t.carrier_message_id,
        "carrier_code": t.carrier_code,
    }


def caller_id(c: CallerId) -> dict[str, Any]:
    return {
        "number": c.e164,
        "verified": c.verified_at.isoformat() if c.verified_at else None,
        "in_use": c.in_use,
        "attempts": c.attempts,
    }


def api_token(t: ApiToken, names: Names) -> dict[str, Any]:
    return {
        "name": t.name,
        "role": t.role.value,
        "agent": names.agent(t.agent_id),
        "created_at": t.created_at.isoformat(),
        "revoked_at": t.revoked_at.isoformat() if t.revoked_at else None,
    }


def webhook(w: Webhook, names: Names, *, reveal: bool = False) -> dict[str, Any]:
    return {
        "id": w.id,
        "url": w.url,
        "events": list(w.events),
        "agent": names.agent(w.agent_id),
        "active": w.active,
        "disabled_reason": w.disabled_reason,
        "secret": w.secret if reveal else MASK,
        "created_at": w.created_at.isoformat(),
    }


def delivery(d: WebhookDelivery) -> dict[str, Any]:
    return {
        "id": d.id,
        "webhook_id": d.webhook_id,
        "event_id": d.event.event_id,
        "type": d.event.type,
        "event_at": d.event.at.isoformat(),
        "status": d.status.value,
        "attempts": d.attempts,
        "last_status": d.last_status,
        "last_error": d.last_error,
        "next_attempt_at": (d.next_attempt_at.isoformat() if d.status.value == "pending" else None),
        "delivered_at": d.delivered_at.isoformat() if d.delivered_at else None,
    }
