"""An agent's own number (a cell, a desk line) as caller ID, once proved theirs (SPEC 2).

`callerid verify AGENT NUMBER` shows a 6-digit code on screen and calls NUMBER through
the trunk (asterisk/verify_call.py); whoever answers hears a prompt and keys the code in.
Only the right code within the time limit marks the number verified; the code itself
never leaves this process (checked()).
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass
from pathlib import Path

from .. import media, phone
from ..directory import numbers, organisation
from ..errors import UserError
from ..model import Agent
from ..routing import forwarding
from ..storage.repository import Repository
from .handling import allow_territories

PROMPT = "Please enter the six digit code shown on your screen."
RING_SECONDS = 30
CODE_DIGITS = 6


def new_code() -> str:
    return f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"


@dataclass(frozen=True)
class Attempt:
    agent: Agent
    number: str  # E.164 being verified
    shown: str  # caller ID the verification call shows (the agent's Smart Number)
    prompt: str  # prompt key


async def prepare(repo: Repository, agent_name: str, number_text: str, media_dir: Path) -> Attempt:
    agent = await organisation.agent_named(repo, agent_name)
    number = phone.to_e164(number_text)
    verdict = forwarding.check(number, allow_us_territories=await allow_territories(repo))
    if not verdict.allowed:
        raise UserError(verdict.reason)
    choice = await numbers.outbound_choice(repo, agent)
    shown = choice.number.e164 if choice.number else number
    await repo.caller_id_attempted(agent.id, number)
    return Attempt(agent, number, shown, media.speak(media_dir, PROMPT))


def checked(attempt: Attempt, keyed: str | None, code: str) -> str:
    """The number, verified by the digits keyed in; else a UserError saying why not."""
    if keyed is None:
        raise UserError(f"{attempt.number} not verified: no code was keyed in")
    if not hmac.compare_digest(keyed.encode(), code.encode()):
        raise UserError(f"{attempt.number} not verified: the code keyed in was wrong")
    return attempt.number


async def use(repo: Repository, agent_name: str, choice: str) -> tuple[Agent, str | None]:
    """Show this verified number on the agent's calls, or their Smart Number ('smart')."""
    agent = await organisation.agent_named(repo, agent_name)
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
