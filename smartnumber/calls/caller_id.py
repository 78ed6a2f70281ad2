"""An agent's own number (a cell, a desk line) as caller ID, once proved theirs (SPEC 2).

`callerid verify AGENT NUMBER` shows a 6-digit code on screen and calls NUMBER through
the trunk; whoever answers hears a prompt and keys the code in. Asterisk reports the
digits in a UserEvent ([smartnumber-verify]); only the right code within the time limit
marks the number verified. The code itself never leaves this process.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from .. import media, phone
from ..asterisk import names as var
from ..asterisk.ami import AmiConfig, command_session
from ..asterisk.dialplan.context import external_target
from ..directory import organisation as provision
from ..errors import UserError
from ..model import Agent
from ..routing import forwarding
from ..storage.repository import Repository, Store
from . import handling as number_config

PROMPT = "Please enter the six digit code shown on your screen."
RING_SECONDS = 30


def new_code() -> str:
    return f"{secrets.randbelow(10**var.VERIFY_DIGITS):0{var.VERIFY_DIGITS}d}"


@dataclass(frozen=True)
class Attempt:
    agent: Agent
    number: str  # E.164 being verified
    shown: str  # caller ID the verification call shows (the agent's Smart Number)
    prompt: str  # prompt key


async def prepare(repo: Repository, agent_name: str, number_text: str, media_dir: Path) -> Attempt:
    agent = await provision.agent_named(repo, agent_name)
    number = phone.to_e164(number_text)
    verdict = forwarding.check(
        number, allow_us_territories=await number_config.allow_territories(repo)
    )
    if not verdict.allowed:
        raise UserError(verdict.reason)
    choice = await provision.outbound_choice(repo, agent)
    shown = choice.number.e164 if choice.number else number
    await repo.caller_id_attempted(agent.id, number)
    return Attempt(agent, number, shown, media.speak(media_dir, PROMPT))


async def keyed_code(ami: AmiConfig, attempt: Attempt, limit: float) -> str | None:
    """Call the number and return the digits keyed in, or None: not answered, or nothing
    keyed within `limit` seconds of placing the call (then the call is hung up)."""
    verify_id = secrets.token_hex(8)
    channel_id = f"sn-verify-{verify_id}"
    result: asyncio.Future[str | None] = asyncio.get_running_loop().create_future()
    names: list[str] = []

    def on_event(event: dict[str, str]) -> None:
        if result.done():
            return
        if event.get("Uniqueid") == channel_id and event.get("Channel"):
            names.append(event["Channel"])
        kind = event.get("Event")
        if kind == "UserEvent" and event.get("UserEvent") == var.VERIFY_EVENT:
            if event.get("Id") == verify_id:
                result.set_result(event.get("Code", ""))
        elif kind == "OriginateResponse" and event.get("Uniqueid") == channel_id:
            failed = event.get("Response") != "Success"  # not answered, busy, unreachable
            if failed:
                result.set_result(None)

    async with command_session(ami, on_event) as link:
        try:
            answer = await link.send(
                {
                    "Action": "Originate",
                    "ChannelId": channel_id,
                    "Channel": external_target(attempt.number),
                    "Context": "smartnumber-verify",
                    "Exten": "s",
                    "Priority": "1",
                    "CallerID": f"<{attempt.shown}>",
                    "Timeout": str(RING_SECONDS * 1000),
                    "Async": "true",
                    "Variable": [f"{var.VERIFY}={verify_id}", f"{var.PROMPT}={attempt.prompt}"],
                },
                as_list=False,
            )
        except (ConnectionError, TimeoutError):
            raise UserError("Asterisk did not take the verification call; try again") from None
        if not answer.success:
            raise UserError(f"Asterisk refused the call: {answer.get('Message', '')}")
        try:
            return await asyncio.wait_for(asyncio.shield(result), limit)
        except TimeoutError:
            if names:
                with contextlib.suppress(ConnectionError, TimeoutError):
                    await link.send({"Action": "Hangup", "Channel": names[-1]}, as_list=False)
            return None


async def verify(
    store: Store,
    ami: AmiConfig,
    media_dir: Path,
    agent_name: str,
    number_text: str,
    now: Callable[[], datetime],
    *,
    limit: float = 60.0,
    code: str | None = None,
    show: Callable[[str], None] = print,
) -> str:
    """Run one verification; returns the verified E.164 number, or raises UserError."""
    async with store.transaction() as repo:
        attempt = await prepare(repo, agent_name, number_text, media_dir)
    code = code or new_code()
    show(
        f"Calling {attempt.number} from {attempt.shown}. Answer it and key in {code}"
        f" (within {limit:.0f} s)."
    )
    keyed = await keyed_code(ami, attempt, limit)
    if keyed is None:
        raise UserError(f"{attempt.number} not verified: no code was keyed in")
    if not hmac.compare_digest(keyed.encode(), code.encode()):
        raise UserError(f"{attempt.number} not verified: the code keyed in was wrong")
    async with store.transaction() as repo:
        await repo.caller_id_verified(attempt.agent.id, attempt.number, now())
    return attempt.number


async def use(repo: Repository, agent_name: str, choice: str) -> tuple[Agent, str | None]:
    """Show this verified number on the agent's calls, or their Smart Number ('smart')."""
    agent = await provision.agent_named(repo, agent_name)
    if choice.strip().lower() == "smart":
        await repo.use_caller_id(agent.id, None)
        return agent, None
    number = phone.to_e164(choice)
    known = {c.e164: c for c in await repo.caller_ids(agent.id)}
    if number not in known or known[number].verified_at is None:
        raise UserError(
            f"{number} is not a verified caller ID of {agent.name};"
            f" run `smartnumber callerid verify {agent.name!r} {number}` first"
        )
    await repo.use_caller_id(agent.id, number)
    return agent, number
