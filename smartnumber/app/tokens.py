"""Use cases for the HTTP API's tokens: create (the secret is shown once), list, revoke,
and who a presented bearer token stands for."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from .. import access
from ..storage.repository import Store
from . import views


async def create_token(
    store: Store, name: str, role: str, agent: str | None, now: datetime
) -> tuple[dict[str, Any], str]:
    """The token's record and its secret (printed once; only a hash is kept)."""
    async with store.transaction() as repo:
        made, secret = await access.create(repo, name, role, agent, now)
        return views.api_token(made, await views.Names.load(repo)), secret


async def list_tokens(store: Store) -> list[dict[str, Any]]:
    async with store.snapshot() as repo:
        names = await views.Names.load(repo)
        return [views.api_token(t, names) for t in await repo.api_tokens()]


async def revoke_token(store: Store, name: str, now: datetime) -> None:
    async with store.transaction() as repo:
        await access.revoke(repo, name, now)


async def authenticate(store: Store, presented: str) -> access.Caller | None:
    async with store.snapshot() as repo:
        return await access.authenticate(repo, presented)


async def take_allowance(
    store: Store, key: str, rate: float, burst: int, want: int, now: datetime
) -> int:
    """Up to `want` requests' worth from the shared bucket `key` (the API's rate limits,
    one bucket for every API process on the database)."""
    async with store.transaction() as repo:
        return await repo.take_allowance(key, rate, burst, want, now)
