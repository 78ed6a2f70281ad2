"""Use cases for webhook subscriptions: add (with its signing secret), list, remove, the
delivery log, replay. The CLI and the HTTP API call these."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from ..directory import organisation
from ..storage.repository import Store
from ..webhooks import events, subscriptions
from . import views

EVENT_TYPES = events.TYPES


async def add_webhook(
    store: Store, url: str, event_types: Sequence[str], agent: str | None, now: datetime
) -> dict[str, Any]:
    """A new subscription; the view shows its secret this once."""
    async with store.transaction() as repo:
        agent_row = await organisation.agent_named(repo, agent) if agent else None
        made = await subscriptions.add(
            repo, url, event_types, agent_id=agent_row.id if agent_row else None, now=now
        )
        return views.webhook(made, await views.Names.load(repo), reveal=True)


async def list_webhooks(store: Store) -> list[dict[str, Any]]:
    async with store.snapshot() as repo:
        names = await views.Names.load(repo)
        return [views.webhook(w, names) for w in await repo.webhooks(active_only=False)]


async def show_webhook(store: Store, webhook_id: int, *, reveal: bool) -> dict[str, Any]:
    async with store.snapshot() as repo:
        found = await subscriptions.webhook(repo, webhook_id)
        return views.webhook(found, await views.Names.load(repo), reveal=reveal)


async def remove_webhook(store: Store, webhook_id: int) -> None:
    async with store.transaction() as repo:
        await subscriptions.remove(repo, webhook_id)


async def delivery_log(
    store: Store, webhook_id: int | None, limit: int, before_id: int | None = None
) -> list[dict[str, Any]]:
    async with store.snapshot() as repo:
        return [
            views.delivery(d)
            for d in await subscriptions.delivery_log(repo, webhook_id, limit, before_id)
        ]


async def replay(
    store: Store,
    webhook_id: int,
    *,
    event_id: str | None,
    start: datetime | None,
    end: datetime | None,
    now: datetime,
) -> int:
    async with store.transaction() as repo:
        return await subscriptions.replay(
            repo, webhook_id, event_id=event_id, start=start, end=end, now=now
        )
