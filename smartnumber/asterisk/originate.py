"""Click-to-call through the AMI: one Originate into [smartnumber-click-to-call], followed
by its events. The channel carries a ChannelId we generate, so its events (and the
contact leg's, by Linkedid) are told apart from every other call's. The Originate is
sent once: if the AMI connection drops before Asterisk answers it, we reconnect and look
for our channel instead of sending it again."""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ..calls.click_to_call import AGENT_RING_SECONDS, Plan, Stage
from ..errors import UserError
from . import dial, names
from .ami import AmiConfig, AmiLink, cli_login, command_session

ORIGINATE_REASONS = {  # OriginateResponse Reason codes (AST_CONTROL_*)
    "0": "the agent's phone could not be reached",
    "1": "the agent's phone hung up",
    "3": "the agent did not answer",
    "5": "the agent's phone was busy",
    "8": "the agent's phone was congested",
}


def originate_action(plan: Plan, channel_id: str, ring_seconds: int) -> dict[str, Any]:
    """The one Originate for this call: only values we made or read from the database."""
    return {
        "Action": "Originate",
        "ActionID": f"smartnumber-{channel_id}",
        "ChannelId": channel_id,
        "Channel": dial.target(plan.agent_ring),
        "Context": names.Context.CLICK_TO_CALL,
        "Exten": plan.contact,
        "Priority": "1",
        "CallerID": f"<{plan.contact}>",  # the agent's phone shows whom they are calling
        "Timeout": str(ring_seconds * 1000),
        "Async": "true",
        "Variable": [
            f"{names.CALL}={plan.reference}",
            f"{names.CALLERID}={plan.caller_id}",
            # In the CDR from the start, so it tells even when the agent never answered.
            f"CDR({names.Cdr.CALL})={plan.reference}",
            # The number's approved CNAM name (calls/identity.check_cnam's characters only).
            *([f"{names.CALLERNAME}={plan.caller_name}"] if plan.caller_name else []),
            # Recorded as the number shown says: the file is named by the call's key.
            *([f"{names.RECORD}=1", f"{names.MEDIA_ID}={plan.call_key}"] if plan.record else []),
            *([f"{names.CONSENT}={plan.consent_prompt}"] if plan.consent_prompt else []),
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
            self.reach(Stage.CONTACT_DIALLED, event.get("DestCallerIDNum", ""))
        elif name == "DialState" and ours and event.get("DialStatus") == "RINGING":
            self.reach(Stage.CONTACT_RINGING)
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
                self.reach(Stage.CONTACT_DIALLED)
                if state == "Up":
                    self.contact_status = "ANSWER"
                    self.reach(Stage.CONNECTED)
        return bool(legs)


def new_channel_id() -> str:
    return f"sn-c2c-{secrets.token_hex(8)}"


CONNECT_SECONDS = 15.0  # how long a CLI command waits for the AMI to answer


class AmiCallPlacer:
    """click_to_call.CallPlacer over the AMI: each call one Originate on a session of
    its own, logged in as `ami` (the CLI's login: it may originate)."""

    def __init__(self, ami: AmiConfig) -> None:
        self.ami = ami

    @classmethod
    def with_cli_login(cls, values: Mapping[str, str]) -> AmiCallPlacer:
        """Logged in as the CLI (setting ami.cli_username), hearing its calls' events:
        how both the CLI and the routing service place calls."""
        return cls(cli_login(values, "call"))

    async def place(
        self,
        plan: Plan,
        on_stage: Callable[[Stage, str], None],
        on_note: Callable[[str], None],
        *,
        taken: Callable[[], Awaitable[int]],
        wait: bool,
        ring_seconds: int = AGENT_RING_SECONDS,
    ) -> Follow:
        """Originate once and follow the call: until the agent's leg is resolved
        (answered or not), or with `wait` until the call is over. `taken` writes the
        call down once Asterisk has taken it (accepted()), and gives its timeline entry
        id."""
        channel_id = new_channel_id()
        action = originate_action(plan, channel_id, ring_seconds)
        follow = Follow(channel_id, action["ActionID"], on_stage)
        async with command_session(self.ami, follow.event, CONNECT_SECONDS) as link:
            try:
                answer = await link.send(action, as_list=False)
                if not answer.success:
                    raise UserError(f"Asterisk refused the call: {answer.get('Message', '')}")
            except TimeoutError:
                raise UserError(
                    "Asterisk did not answer the Originate; not sending it again"
                ) from None
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
