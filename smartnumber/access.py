"""Who may use the HTTP API, and what each role may see (SPEC 10).

A token is 256 random bits shown once; only its SHA-256 is stored (a slow password hash
protects guessable secrets, and these are not guessable). `admin` may do everything;
`integration` (the CRM) works on contacts, timelines and events, and starts calls and
texts on behalf of a named agent; `agent` sees only their own contacts and acts only as
themselves.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime

from . import phone
from .errors import NotFound, UserError
from .model import Agent, ApiToken, Contact, Role
from .storage.repository import NewApiToken, Repository

PREFIX = "sn_"
_NAME = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")
_TOKEN = re.compile(r"^sn_[A-Za-z0-9_-]{43}$")


class Forbidden(UserError):
    """The token is good, but its role may not do this."""


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class Caller:
    """Who is calling the API: the token's role, and the agent an agent token is for."""

    token: ApiToken
    agent: Agent | None = None

    @property
    def role(self) -> Role:
        return self.token.role

    def require(self, *roles: Role) -> None:
        if self.role not in roles:
            allowed = " or ".join(r.value for r in roles)
            raise Forbidden(f"this needs an {allowed} token; yours is {self.role.value}")

    def may_see(self, contact: Contact) -> bool:
        """An agent sees the contacts they own or are assigned; other roles see all."""
        if self.agent is None:
            return True
        return self.agent.id in (contact.owner_agent_id, contact.assigned_agent_id)

    async def check_number(self, repo: Repository, number: str) -> None:
        """An agent texts or calls only a number one of their own contacts has: any other
        (another agent's, or nobody's yet: add it as a contact first) is refused the same
        way, so a refusal tells nothing of whose a number is. Other roles: any number."""
        if self.agent is None:
            return
        e164 = phone.to_e164(number)
        if not any(self.may_see(c) for c in await repo.contacts_by_phone(e164)):
            raise NotFound(
                f"no contact of yours has the number {e164} (add it first: POST /v1/contacts)"
            )

    def acting_agent(self, named: Agent | None) -> Agent:
        """The agent a call or text is started as: an agent token is always itself; an
        admin or integration token must name one."""
        if self.agent is not None:
            if named is not None and named.id != self.agent.id:
                raise Forbidden("an agent token acts only as its own agent")
            return self.agent
        if named is None:
            raise UserError("say which agent this is on behalf of (agent)")
        return named


async def create(
    repo: Repository, name: str, role: str, agent_name: str | None, now: datetime
) -> tuple[ApiToken, str]:
    """A new token: the stored record, and the secret itself (shown once, never again)."""
    if not _NAME.match(name):
        raise UserError("a token name is 1-64 letters, digits, '_', '.' or '-'")
    try:
        kind = Role(role)
    except ValueError:
        raise UserError(f"role must be one of {', '.join(Role)}") from None
    agent_id = None
    if kind is Role.AGENT:
        if not agent_name:
            raise UserError("an agent token needs --agent NAME")
        agent = await repo.agent_by_name(agent_name)
        if agent is None:
            raise NotFound(f"no agent named {agent_name!r}")
        agent_id = agent.id
    elif agent_name:
        raise UserError("--agent goes only with --role agent")
    if any(t.name == name for t in await repo.api_tokens()):
        raise UserError(f"a token named {name!r} exists already (revoke it, or pick a name)")
    secret = PREFIX + secrets.token_urlsafe(32)
    stored = await repo.add_api_token(
        NewApiToken(
            name=name, role=kind, token_hash=token_hash(secret), created_at=now, agent_id=agent_id
        )
    )
    return stored, secret


async def authenticate(repo: Repository, presented: str) -> Caller | None:
    """The caller a bearer token stands for; None for an unknown, revoked or malformed
    one (or an agent token whose agent left)."""
    if not _TOKEN.match(presented):
        return None
    found = await repo.api_token_by_hash(token_hash(presented))
    # Looked up by the hash, so timing tells nothing about the token itself.
    if found is None or found.revoked_at is not None:
        return None
    if found.agent_id is None:
        return Caller(found)
    agent = await repo.agent_by_id(found.agent_id)
    if agent is None or not agent.active:
        return None
    return Caller(found, agent)


async def revoke(repo: Repository, name: str, now: datetime) -> None:
    if not await repo.revoke_api_token(name, now):
        raise NotFound(f"no active token named {name!r}")
