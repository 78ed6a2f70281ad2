"""Who hears what: adding, listing and removing webhook subscriptions, the delivery log,
and replaying events to a subscription."""

from __future__ import annotations

import base64
import secrets
from collections.abc import Sequence
from datetime import datetime

import httpx

from .. import egress, settings
from ..errors import NotFound, UserError
from ..model import Webhook, WebhookDelivery
from ..storage.repository import Crm, NewWebhook, Repository
from . import events

MAX_REPLAY = 10_000  # events one replay may queue


def new_secret() -> str:
    """A Standard Webhooks secret: whsec_ and 24 random bytes in base64."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode()


def check_form(url: str, what: str = "the webhook URL") -> httpx.URL:
    """An http(s) URL with a host, no credentials, no spaces or control characters."""
    if len(url) > 2000 or not url.isprintable() or any(c.isspace() for c in url):
        raise UserError(f"{what} must be one line of at most 2000 characters")
    parsed = egress.parse_url(url, what)
    if parsed.userinfo:
        raise UserError(f"put no credentials in {what}: verify our signature instead")
    return parsed


async def check_url(repo: Repository, url: str) -> str:
    """A well-formed URL (check_form) that egress.allow lets us post to (https, a public
    address) as written and as it resolves now; checked again at every attempt."""
    parsed = check_form(url)
    policy = egress.Policy.parse((await settings.load(repo))["egress.allow"])
    policy.check_url(parsed, "the webhook URL")
    await policy.check_resolved(parsed, "the webhook URL")
    return str(parsed)


def check_event_types(names: Sequence[str]) -> tuple[str, ...]:
    wanted = tuple(dict.fromkeys(n.strip() for n in names if n.strip()))
    if not wanted:
        raise UserError(f"name at least one event: {', '.join(events.TYPES)}")
    unknown = [n for n in wanted if n not in events.TYPES]
    if unknown:
        raise UserError(f"unknown event {unknown[0]!r}; known: {', '.join(events.TYPES)}")
    return wanted


async def add(
    repo: Repository, url: str, event_types: Sequence[str], *, agent_id: int | None, now: datetime
) -> Webhook:
    """A new subscription with its own signing secret."""
    return await repo.add_webhook(
        NewWebhook(
            url=await check_url(repo, url),
            events=check_event_types(event_types),
            secret=new_secret(),
            created_at=now,
            agent_id=agent_id,
        )
    )


async def webhook(repo: Crm, webhook_id: int) -> Webhook:
    found = await repo.webhook_by_id(webhook_id)
    if found is None:
        raise NotFound(f"no webhook {webhook_id}")
    return found


async def remove(repo: Crm, webhook_id: int) -> None:
    if not await repo.remove_webhook(webhook_id):
        raise NotFound(f"no webhook {webhook_id}")


async def replay(
    repo: Repository,
    webhook_id: int,
    *,
    event_id: str | None,
    start: datetime | None,
    end: datetime | None,
    now: datetime,
) -> int:
    """Queue one event, or those from start to end that the subscription's types cover,
    for delivery again (with their first webhook-id: receivers de-duplicate on it)."""
    target = await webhook(repo, webhook_id)
    if not target.active:
        raise UserError(f"webhook {webhook_id} is disabled ({target.disabled_reason})")
    if event_id is not None:
        found = await repo.webhook_event(event_id)
        if found is None:
            raise NotFound(f"no event {event_id}")
        chosen = [found]
    elif start is not None:
        if end is not None and end <= start:
            raise UserError("the end of the range must come after its start")
        every = await repo.webhook_events_between(start, end or now, MAX_REPLAY + 1)
        if len(every) > MAX_REPLAY:
            raise UserError(f"more than {MAX_REPLAY} events in that range; replay a shorter one")
        chosen = [e for e in every if target.wants(e.type, e.agent_id)]
    else:
        raise UserError("say which: one event id, or a time range (--since)")
    return await repo.queue_deliveries(chosen, webhook_id, now)


async def delivery_log(
    repo: Repository, webhook_id: int | None, limit: int, before_id: int | None = None
) -> list[WebhookDelivery]:
    if webhook_id is not None:
        await webhook(repo, webhook_id)
    return await repo.deliveries(webhook_id, limit, before_id)
