"""`smartnumber call AGENT NUMBER`: the agent's phone rings first; once they answer, the
contact is dialled from the agent's outbound number and the two are bridged (SPEC 5).

1. plan(): check the agent and the number and choose the caller ID (routing/outbound.py);
   nothing is written yet.
2. The AMI Originate (asynchronous) rings the agent's leg: their endpoint, or their cell
   through the trunk. Once it answers, Asterisk runs [smartnumber-click-to-call] with the
   contact's E.164 number as the extension, which dials it through the trunk. Nothing a
   user typed reaches Asterisk except that validated number; the channel variables are
   the call's key (which names it in the hangup handler's report and in the CDR) and the
   caller ID from the database.
3. accepted(): only once Asterisk has taken the Originate, the contact is found or made
   (a new number becomes a lead owned by the agent) and the call goes on the timeline. A
   call Asterisk never took leaves nothing behind, so it never steers inbound routing.
3. follow(): the channel carries a ChannelId we generate, so its events (and the
   contact leg's, by Linkedid) are told apart from every other call's. The Originate is
   sent once: if the AMI connection drops before Asterisk answers it, we reconnect and
   look for our channel instead of sending it again.

The call's outcome (talk time) arrives like an inbound call's, from the hangup handler
through the routing service; a call the agent did not answer is recorded here.
"""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from .. import media, phone
from ..asterisk.ami import AmiConfig, AmiLink, command_session
from ..asterisk.dialplan.context import dial_target, external_target
from ..directory import organisation as provision
from ..errors import UserError
from ..model import ActivityKind, Direction
from ..routing import forwarding
from ..storage.repository import NewActivity, Repository
from . import handling as number_config

CONTEXT = "smartnumber-click-to-call"
AGENT_RING_SECONDS = 30
ORIGINATE_REASONS = {  # OriginateResponse Reason codes (AST_CONTROL_*)
    "0": "the agent's phone could not be reached",
    "1": "the agent's phone hung up",
    "3": "the agent did not answer",
    "5": "the agent's phone was busy",
    "8": "the agent's phone was congested",
}


class Stage(StrEnum):
    AGENT_RINGING = "agent ringing"
    AGENT_ANSWERED = "agent answered"
    CONTACT_RINGING = "contact ringing"
    CONNECTED = "connected"
    ENDED = "ended"


CALL_REF_PREFIX = "k"  # SMARTNUMBER_CALL=k<key>: a call whose entry is written later


@dataclass(frozen=True)
class Plan:
    call_key: str  # 16 hex digits: the call's name in Asterisk's records
    agent: str
    agent_leg: str  # dial target of the agent's phone
    contact: str  # E.164
    contact_name: str  # the contact's, or the lead's to be
    caller_id: str  # what the contact sees
    caller_id_level: str
    agent_id: int = 0
    smart_number_id: int | None = None

    @property
    def call_ref(self) -> str:
        """What the dialplan reports the call as (outcomes.py reads it back)."""
        return f"{CALL_REF_PREFIX}{self.call_key}"


async def plan(
    repo: Repository, agent_name: str, number_text: str, via: str | None, now: datetime
) -> Plan:
    """Everything the call needs, checked; nothing written (see accepted())."""
    agent = await provision.agent_named(repo, agent_name)
    if not agent.active:
        raise UserError(f"agent {agent.name} is inactive")
    contact_e164 = phone.to_e164(number_text)  # refuses anything but a phone number
    territories = await number_config.allow_territories(repo)
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
        leg = external_target(agent.cell, call_connect=True)
    else:
        leg = dial_target(agent)
    choice = await provision.outbound_choice(repo, agent, contact_e164)
    if choice.caller_id is None:
        raise UserError(f"agent {agent.name} has no number to call from: {choice.reason}")
    known = await repo.contacts_by_phone(contact_e164)
    return Plan(
        call_key=media.new_media_id(),
        agent=agent.name,
        agent_leg=leg,
        contact=contact_e164,
        contact_name=known[0].name if known else provision.lead_name(contact_e164),
        caller_id=choice.caller_id,
        caller_id_level=choice.level or "",
        agent_id=agent.id,
        smart_number_id=choice.number.id if choice.number else None,
    )


async def accepted(repo: Repository, plan: Plan, now: datetime) -> int:
    """Asterisk took the Originate: the contact (or a new lead owned by the agent) and the
    call on the timeline; the call's entry id."""
    agent = await repo.agent_by_id(plan.agent_id)
    if agent is None:
        raise UserError(f"agent {plan.agent} is gone")
    contact = await provision.contact_or_lead(repo, plan.contact, agent, "click-to-call", now)
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
                "agent_leg": plan.agent_leg,
            },
            call_key=plan.call_key,
        )
    )
    assert added is not None  # no external_id, so never a duplicate
    return added.id


def originate_action(plan: Plan, channel_id: str, ring_seconds: int) -> dict[str, Any]:
    """The one Originate for this call: only values we made or read from the database."""
    return {
        "Action": "Originate",
        "ActionID": f"smartnumber-{channel_id}",
        "ChannelId": channel_id,
        "Channel": plan.agent_leg,
        "Context": CONTEXT,
        "Exten": plan.contact,
        "Priority": "1",
        "CallerID": f"<{plan.contact}>",  # the agent's phone shows whom they are calling
        "Timeout": str(ring_seconds * 1000),
        "Async": "true",
        "Variable": [
            f"SMARTNUMBER_CALL={plan.call_ref}",
            f"SMARTNUMBER_CALLERID={plan.caller_id}",
            # In the CDR from the start, so it tells even when the agent never answered.
            f"CDR(sn_call)={plan.call_ref}",
        ],
    }


@dataclass
class Follow:
    """What the events of one click-to-call said, stage by stage."""

    channel_id: str
    action_id: str
    on_stage: Callable[[Stage, str], None]
    stages: list[Stage] = field(default_factory=list)
    call_id: int | None = None  # its timeline entry, once Asterisk took the call
    failure: str | None = None  # why the agent leg did not answer
    contact_status: str | None = None  # DIALSTATUS of the contact leg
    done: asyncio.Event = field(default_factory=asyncio.Event)  # the call is over
    agent_resolved: asyncio.Event = field(default_factory=asyncio.Event)
    listing_id: str = ""  # ActionID of a CoreShowChannels we sent, and what it listed
    listing: list[dict[str, str]] = field(default_factory=list)
    listed: asyncio.Event = field(default_factory=asyncio.Event)

    def mine(self, event: dict[str, str]) -> bool:
        ids = (event.get("Uniqueid"), event.get("Linkedid"), event.get("DestLinkedid"))
        return self.channel_id in ids or event.get("ActionID") == self.action_id

    def reach(self, stage: Stage, detail: str = "") -> None:
        if stage not in self.stages:
            self.stages.append(stage)
            self.on_stage(stage, detail)

    def event(self, event: dict[str, str]) -> None:
        name = event.get("Event", "")
        if self.listing_id and event.get("ActionID") == self.listing_id:
            if name == "CoreShowChannel":
                self.listing.append(event)
            elif name == "CoreShowChannelsComplete":
                self.listed.set()
            return
        if not self.mine(event):
            return
        ours = event.get("Uniqueid") == self.channel_id
        if name == "Newstate" and ours and event.get("ChannelStateDesc") == "Ringing":
            self.reach(Stage.AGENT_RINGING)
        elif name == "OriginateResponse":
            if event.get("Response") == "Success":
                self.reach(Stage.AGENT_ANSWERED)
            else:
                reason = event.get("Reason", "0")
                self.failure = ORIGINATE_REASONS.get(reason, f"originate failed ({reason})")
                self.done.set()
            self.agent_resolved.set()
        elif name == "DialBegin" and ours:
            self.reach(Stage.CONTACT_RINGING, event.get("DestCallerIDNum", ""))
        elif name == "DialEnd" and ours:
            self.contact_status = event.get("DialStatus")
            if self.contact_status == "ANSWER":
                self.reach(Stage.CONNECTED)
        elif name == "Hangup" and ours:
            self.reach(Stage.ENDED, event.get("Cause-txt", ""))
            self.agent_resolved.set()
            self.done.set()

    def resume(self, channels: list[dict[str, str]]) -> bool:
        """After a reconnect: is our call still up? Catch up on its stage if so."""
        legs = [c for c in channels if self.channel_id in (c.get("Uniqueid"), c.get("Linkedid"))]
        for leg in legs:
            state = leg.get("ChannelStateDesc")
            if leg.get("Uniqueid") == self.channel_id and state == "Ringing":
                self.reach(Stage.AGENT_RINGING)
            if leg.get("Uniqueid") == self.channel_id and state == "Up":
                self.reach(Stage.AGENT_ANSWERED)
                self.agent_resolved.set()
            if leg.get("Uniqueid") != self.channel_id:  # the contact's leg
                self.reach(Stage.CONTACT_RINGING)
                if state == "Up":
                    self.contact_status = "ANSWER"
                    self.reach(Stage.CONNECTED)
        return bool(legs)


def new_channel_id() -> str:
    return f"sn-c2c-{secrets.token_hex(8)}"


CONNECT_SECONDS = 15.0  # how long a CLI command waits for the AMI to answer


async def place(
    ami: AmiConfig,
    plan: Plan,
    on_stage: Callable[[Stage, str], None],
    on_note: Callable[[str], None],
    *,
    taken: Callable[[], Awaitable[int]],
    wait: bool,
    ring_seconds: int = AGENT_RING_SECONDS,
) -> Follow:
    """Originate once and follow the call: until the agent's leg is resolved (answered or
    not), or with `wait` until the call is over. `taken` writes the call down once
    Asterisk has taken it (accepted()), and gives its timeline entry id."""
    channel_id = new_channel_id()
    action = originate_action(plan, channel_id, ring_seconds)
    follow = Follow(channel_id, action["ActionID"], on_stage)
    async with command_session(ami, follow.event, CONNECT_SECONDS) as link:
        try:
            answer = await link.send(action, as_list=False)
            if not answer.success:
                raise UserError(f"Asterisk refused the call: {answer.get('Message', '')}")
        except TimeoutError:
            raise UserError("Asterisk did not answer the Originate; not sending it again") from None
        except ConnectionError:
            on_note("the AMI connection dropped before Asterisk answered; not sending it again")
            await _reconcile(link, follow, on_note, CONNECT_SECONDS)
        follow.call_id = await taken()
        try:
            await asyncio.wait_for(follow.agent_resolved.wait(), ring_seconds + 15)
        except TimeoutError:
            raise UserError("no word from Asterisk about the agent's phone") from None
        if wait:
            await follow.done.wait()
        return follow


async def _reconcile(
    link: AmiLink, follow: Follow, on_note: Callable[[str], None], within: float
) -> None:
    """Find out from Asterisk whether the Originate took effect, without repeating it."""
    try:
        await asyncio.wait_for(_new_session(link, link.connects), within)
    except TimeoutError:
        raise UserError(
            "the AMI connection dropped while placing the call and did not come back;"
            " the call was not placed a second time (check `smartnumber timeline`)"
        ) from None
    # The listing arrives as events after the response; Follow.event collects them.
    follow.listing_id = f"smartnumber-list-{follow.channel_id}"
    try:
        await link.send(
            {"Action": "CoreShowChannels", "ActionID": follow.listing_id}, as_list=False
        )
        await asyncio.wait_for(follow.listed.wait(), 10)
    except (ConnectionError, TimeoutError):
        raise UserError(
            "the AMI connection dropped while placing the call and Asterisk could not be"
            " asked about it; it was not placed a second time (check `smartnumber timeline`)"
        ) from None
    if follow.resume(follow.listing):
        on_note("reconnected: the call is in progress")
        return
    if follow.stages or follow.agent_resolved.is_set():
        return  # its events arrived on the new connection meanwhile
    raise UserError(
        "the AMI connection dropped while placing the call and Asterisk shows no such"
        " call; it was not placed a second time: try again"
    )


async def _new_session(link: AmiLink, seen: int) -> None:
    """Wait for a login newer than the `seen`-th (the dropped session may not have been
    noticed as dropped yet)."""
    while link.connects <= seen or not link.connected.is_set():  # noqa: ASYNC110 - a count
        await asyncio.sleep(0.05)


async def agent_missed(repo: Repository, call_id: int, reason: str) -> None:
    """The agent did not take the call: the timeline says so, and since the contact was
    never rung the entry no longer names the agent as the one who talked to them last
    (inbound routing follows the latest call with an agent)."""
    activity = await repo.activity_by_id(call_id)
    if activity is None:
        return
    agent = await repo.agent_by_id(activity.agent_id) if activity.agent_id else None
    detail = dict(activity.detail) | {"status": "agent missed", "reason": reason}
    if agent is not None:
        detail["agent"] = agent.name
    await repo.update_activity(call_id, None, detail)
