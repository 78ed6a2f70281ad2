"""Click-to-call (SPEC 5), the product's side: whom to ring first, what the contact sees,
and what the timeline says. `smartnumber call AGENT NUMBER` rings the agent's phone
first; once they answer, the contact is dialled from the agent's outbound number and the
two are bridged (asterisk/originate.py places and follows the call).

1. plan(): check the agent and the number and choose the caller ID (routing/outbound.py);
   nothing is written yet.
2. accepted(): only once Asterisk has taken the Originate, the contact is found or made
   (a new number becomes a lead owned by the agent) and the call goes on the timeline. A
   call Asterisk never took leaves nothing behind, so it never steers inbound routing.
3. agent_missed(): the agent did not answer; the contact was never rung.

The call carries its reference (k<key>) through Asterisk, so its outcome (talk time)
arrives like an inbound call's, from the hangup handler or the CDR (outcomes.py).

Placing the call is a port, CallPlacer, wired by the process that places it (the CLI
with its own AMI login; the routing service for requests the HTTP API kept, which any
node's service may claim). asterisk/originate.py implements it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, Protocol

from .. import media, phone
from ..directory import contacts, numbers, organisation
from ..errors import UserError
from ..model import Activity, ActivityKind, Direction, Ring
from ..routing import forwarding
from ..storage.repository import NewActivity, Repository
from . import call_record, identity, outcome_words
from .handling import allow_territories

AGENT_RING_SECONDS = 30
# A request the HTTP API kept that no service claimed within this long is not placed:
# an agent who clicked a minute ago is no longer waiting by the phone.
REQUEST_EXPIRES = timedelta(seconds=30)


class Stage(StrEnum):
    """How far a click-to-call has come, as the one placing it reports."""

    AGENT_RINGING = "agent ringing"
    AGENT_ANSWERED = "agent answered"
    CONTACT_DIALLED = "dialling contact"  # Dial() began: nothing rang yet
    CONTACT_RINGING = "contact ringing"  # the contact's side said it rings (180)
    CONNECTED = "connected"
    ENDED = "ended"


class Placed(Protocol):
    """What placing a call came to."""

    @property
    def stages(self) -> list[Stage]: ...

    @property
    def call_id(self) -> int | None:
        """Its timeline entry, once the PBX took the call."""
        ...

    @property
    def failure(self) -> str | None:
        """Why the agent's leg did not answer."""
        ...

    @property
    def contact_status(self) -> str | None:
        """How the contact's leg ended (the PBX's dial status)."""
        ...


@dataclass(frozen=True)
class Plan:
    call_key: str  # 16 hex digits: the call's name in Asterisk's records
    agent: str
    agent_ring: Ring  # the agent's phone, rung first
    contact: str  # E.164
    contact_name: str  # the contact's, or the lead's to be
    caller_id: str  # what the contact sees
    caller_id_level: str
    agent_id: int = 0
    smart_number_id: int | None = None
    caller_name: str = ""  # the approved CNAM name of the number shown, if any
    record: bool = False  # the number shown records its calls: call_key names the file
    consent_prompt: str = ""  # its consent notice (a prompt key), played to the contact

    @property
    def reference(self) -> str:
        """What the dialplan reports the call as (outcomes.py reads it back)."""
        return call_record.reference_of_key(self.call_key)

    @property
    def summary(self) -> str:
        """One line for whoever placed the call."""
        named = self.contact_name
        if named != contacts.lead_name(self.contact):  # a lead's name is its number
            named = f"{named} ({self.contact})"
        return (
            f"calling {self.agent} ({self.agent_ring}), then {named}"
            f" showing {self.caller_id} ({self.caller_id_level})"
        )


class CallPlacer(Protocol):
    """Places a planned call on the PBX and follows it (the port; asterisk/originate.py)."""

    async def place(
        self,
        plan: Plan,
        on_stage: Callable[[Stage, str], None],
        on_note: Callable[[str], None],
        *,
        taken: Callable[[], Awaitable[int]],
        wait: bool,
        ring_seconds: int,
    ) -> Placed:
        """Ring the agent, then the contact, sending the PBX the call once (never again,
        even when the link drops): until the agent's leg is resolved, or with `wait` until
        the call is over. `taken` writes the call down once the PBX took it (accepted())
        and gives its timeline entry's id. Raises UserError when it could not be placed."""
        ...


def plan_record(plan: Plan) -> dict[str, Any]:
    """A plan as JSON keeps it (a request the HTTP API kept for a service to place)."""
    return asdict(plan)


def plan_from_record(record: dict[str, Any]) -> Plan:
    return Plan(**(record | {"agent_ring": Ring(**record["agent_ring"])}))


def expired(requested_at: datetime, now: datetime) -> bool:
    return now - requested_at > REQUEST_EXPIRES


async def plan(
    repo: Repository, agent_name: str, number_text: str, via: str | None, now: datetime
) -> Plan:
    """Everything the call needs, checked; nothing written (see accepted())."""
    agent = await organisation.agent_named(repo, agent_name)
    if not agent.active:
        raise UserError(f"agent {agent.name} is inactive")
    contact_e164 = phone.to_e164(number_text)  # refuses anything but a phone number
    territories = await allow_territories(repo)
    verdict = forwarding.check(contact_e164, allow_us_territories=territories)
    if not verdict.allowed:
        raise UserError(f"not calling {contact_e164}: {verdict.reason}")
    if via == "endpoint" and agent.endpoint is None:
        raise UserError(f"agent {agent.name} has no SIP endpoint; use --via cell")
    if via == "cell" or agent.endpoint is None:
        cell = forwarding.check(agent.cell, allow_us_territories=territories)
        if not cell.allowed:
            raise UserError(f"not ringing {agent.name}'s cell: {cell.reason}")
        # The agent must press 1, so their cell's own voicemail never calls the contact.
        leg = Ring(number=agent.cell, call_connect=True)
    else:
        leg = Ring(endpoint=agent.endpoint)
    choice = await numbers.outbound_choice(repo, agent, contact_e164)
    if choice.caller_id is None:
        raise UserError(f"agent {agent.name} has no number to call from: {choice.reason}")
    known = await repo.contacts_by_phone(contact_e164)
    handling = choice.number.handling if choice.number else None  # not a verified cell
    record = handling is not None and handling.record
    return Plan(
        call_key=media.new_media_id(),
        agent=agent.name,
        agent_ring=leg,
        contact=contact_e164,
        contact_name=known[0].name if known else contacts.lead_name(contact_e164),
        caller_id=choice.caller_id,
        caller_id_level=choice.level or "",
        agent_id=agent.id,
        smart_number_id=choice.number.id if choice.number else None,
        caller_name=await identity.caller_name(repo, choice.caller_id),
        record=record,
        consent_prompt=(handling.consent_prompt or "") if handling and record else "",
    )


async def accepted(repo: Repository, plan: Plan, now: datetime) -> int:
    """Asterisk took the Originate: the contact (or a new lead owned by the agent) and the
    call on the timeline; the call's entry id."""
    agent = await repo.agent_by_id(plan.agent_id)
    if agent is None:
        raise UserError(f"agent {plan.agent} is gone")
    contact = await contacts.contact_or_lead(repo, plan.contact, agent, "click-to-call", now)
    added = await repo.add_activity(
        NewActivity(
            contact_id=contact.id,
            kind=ActivityKind.CALL,
            direction=Direction.OUTBOUND,
            at=now,
            agent_id=agent.id,
            smart_number_id=plan.smart_number_id,
            detail={
                "status": "calling agent",
                "click_to_call": True,
                "number_shown": plan.caller_id,
                "shown_as": plan.caller_id_level,
                "agent_leg": str(plan.agent_ring),
                # its recording's name, as an inbound call's (recording.created follows)
                **({"media_id": plan.call_key} if plan.record else {}),
            },
            call_key=plan.call_key,
        )
    )
    assert added is not None  # no external_id, so never a duplicate
    return added.id


def outcome_known(call: Activity) -> bool:
    """Has the call's outcome been recorded (and call.ended published with it)? An agent
    who missed the call is not an outcome of the contact's leg: there was none."""
    return call.detail.get("status") in ("answered", "missed")


async def agent_missed(repo: Repository, call_id: int, reason: str) -> None:
    """The agent did not take the call: the timeline says so, and since the contact was
    never rung the entry no longer names the agent as the one who talked to them last
    (inbound routing follows the latest call with an agent)."""
    activity = await repo.activity_to_change(call_id)
    if activity is None:
        return
    agent = await repo.agent_by_id(activity.agent_id) if activity.agent_id else None
    said = outcome_words.agent_missed(agent.name if agent else "the agent", reason)
    detail = dict(activity.detail) | {
        "status": "agent missed",
        "reason": reason,
        "outcome": said.outcome,
        "said": said.sentence,
    }
    if agent is not None:
        detail["agent"] = agent.name
    await repo.update_activity(call_id, None, detail)
