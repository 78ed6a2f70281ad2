"""`smartnumber textcode add|list|remove`: keywords people text to become leads."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ..directory import numbers, organisation
from ..errors import UserError
from ..model import TextCode
from ..routing import texting
from ..storage.repository import Repository, Texting

MAX_REPLY_CHARS = 320  # two SMS segments


async def add(
    repo: Repository,
    code: str,
    reply: str,
    agent_name: str | None,
    number_text: str | None,
    now: datetime,
) -> TextCode:
    if not texting.is_code(code):
        raise UserError(
            f"{code!r} cannot be a text code: 2-20 letters or digits, and not an opt-out,"
            " opt-in or help word"
        )
    if agent_name and number_text:
        raise UserError("--agent and --number contradict each other: pick one")
    reply = " ".join(reply.split())
    if not reply or len(reply) > MAX_REPLY_CHARS:
        raise UserError(f"the reply must be 1-{MAX_REPLY_CHARS} characters")
    agent = await organisation.agent_named(repo, agent_name) if agent_name else None
    number = await numbers.number_called(repo, number_text) if number_text else None
    made = TextCode(
        texting.code_key(code),
        reply,
        agent.id if agent else None,
        number.id if number else None,
        now,
    )
    await repo.add_text_code(made)
    return made


async def listing(repo: Repository) -> list[dict[str, Any]]:
    agents = {a.id: a.name for a in await repo.list_agents()}
    numbers = {n.id: n.e164 for n in await repo.list_numbers()}
    return [
        {
            "code": c.code.upper(),
            "reply": c.reply,
            "agent": agents.get(c.agent_id) if c.agent_id else None,
            "number": numbers.get(c.number_id) if c.number_id else None,
            "created_at": c.created_at.isoformat(),
        }
        for c in await repo.text_codes()
    ]


async def remove(repo: Texting, code: str) -> None:
    if not await repo.remove_text_code(texting.code_key(code)):
        raise UserError(f"no text code {code.strip().upper()!r}")
