"""Commands for the CRM's door: the HTTP API server, its tokens, webhook subscriptions
and their delivery log. Each parses, calls one use case (app/tokens.py,
app/webhooks.py, service/api.py), presents."""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path

import click
import uvloop

from .. import clock
from ..app import tokens as token_cases
from ..app import webhooks as webhook_cases
from ..errors import UserError
from ..service import api as server
from . import output
from .base import JSON_OPTION, cli, db, run


@cli.command()
@click.option("--bind", "host", help="Address to listen on (default: the api.bind setting).")
@click.option("--port", type=click.IntRange(1, 65535), help="Port (default: api.port).")
@click.option(
    "--log-level",
    default="info",
    show_default=True,
    type=click.Choice(["debug", "info", "warning", "error"]),
)
def api(host: str | None, port: int | None, log_level: str) -> None:
    """Run the HTTP API (OpenAPI at /openapi.json, docs at /docs, everything under /v1/)
    and deliver webhooks, until SIGTERM/Ctrl-C. Its own process beside `serve`, so a
    busy API never delays call routing. Binds 127.0.0.1:8080 unless told otherwise; TLS
    is a reverse proxy's job (README)."""
    uvloop.run(server.serve(db(), host, port, log_level=log_level))


# -- tokens -----------------------------------------------------------------------------------


@cli.group()
def token() -> None:
    """Bearer tokens of the HTTP API: admin (everything), integration (the CRM: contacts,
    timelines, events, calls and texts on behalf of agents), agent (one agent's own)."""


@token.command("create")
@click.argument("name")
@click.option(
    "--role",
    required=True,
    type=click.Choice(["admin", "integration", "agent"]),
    help="What it may do.",
)
@click.option("--agent", "agent_name", help="For --role agent: whose token it is.")
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the token to this new file (mode 0600) instead of the screen.",
)
def token_create(name: str, role: str, agent_name: str | None, out: Path | None) -> None:
    """Make a token and print it once (only a hash is kept: a lost token is revoked and
    made again), or keep it in a file only you can read (--out)."""
    if out is not None and out.exists():
        raise UserError(f"{out} exists already: not writing a token over it")
    view, secret = run(
        lambda store: token_cases.create_token(store, name, role, agent_name, clock.now())
    )
    made = f"token {view['name']} ({view['role']}) made"
    if out is not None:
        fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as kept:
            kept.write(secret + "\n")
        output.line(f"{made}; kept in {out} (mode 0600), shown nowhere else")
        return
    output.line(f"{made}; it is shown this once:", err=True)
    click.echo(secret)


@token.command("list")
@JSON_OPTION
def token_list(as_json: bool) -> None:
    """Tokens by name and role (never the secrets)."""
    rows = run(token_cases.list_tokens)
    if as_json:
        output.emit_json(rows)
    else:
        output.table(rows, ["name", "role", "agent", "created_at", "revoked_at"], "no tokens")


@token.command("revoke")
@click.argument("name")
def token_revoke(name: str) -> None:
    """Revoke a token at once: requests carrying it are refused from now on."""
    run(lambda store: token_cases.revoke_token(store, name, clock.now()))
    click.echo(f"token {name} revoked")


# -- webhooks ---------------------------------------------------------------------------------


@cli.group()
def webhook() -> None:
    """Webhook subscriptions: events POSTed to the CRM, signed the Standard Webhooks way,
    retried with backoff, in order per contact (delivered by `smartnumber api`)."""


@webhook.command("add")
@click.argument("url")
@click.option(
    "--events",
    "event_list",
    required=True,
    help="Comma-separated: " + ", ".join(webhook_cases.EVENT_TYPES) + ".",
)
@click.option("--agent", "agent_name", help="Only events about this agent.")
@JSON_OPTION
def webhook_add(url: str, event_list: str, agent_name: str | None, as_json: bool) -> None:
    """Subscribe URL to events. Its signing secret is printed this once."""
    made = run(
        lambda store: webhook_cases.add_webhook(
            store, url, event_list.split(","), agent_name, clock.now()
        )
    )
    if as_json:
        output.emit_json(made)
    else:
        output.record(made)


@webhook.command("list")
@JSON_OPTION
def webhook_list(as_json: bool) -> None:
    """Subscriptions (secrets masked), active or disabled and why."""
    rows = run(webhook_cases.list_webhooks)
    if as_json:
        output.emit_json(rows)
    else:
        output.table(rows, ["id", "url", "events", "agent", "active", "disabled_reason"], "none")


@webhook.command("show")
@click.argument("webhook_id", type=int)
@click.option("--reveal", is_flag=True, help="Show the signing secret too.")
def webhook_show(webhook_id: int, reveal: bool) -> None:
    """One subscription: its URL, events, state; the secret masked unless --reveal."""
    output.record(run(lambda store: webhook_cases.show_webhook(store, webhook_id, reveal=reveal)))


@webhook.command("remove")
@click.argument("webhook_id", type=int)
def webhook_remove(webhook_id: int) -> None:
    """Remove a subscription and whatever was still waiting for it."""
    run(lambda store: webhook_cases.remove_webhook(store, webhook_id))
    click.echo(f"webhook {webhook_id} removed")


@webhook.command("log")
@click.option("--webhook", "webhook_id", type=int, help="One subscription's only.")
@click.option("--limit", default=50, show_default=True, type=click.IntRange(1, 10000))
@JSON_OPTION
def webhook_log(webhook_id: int | None, limit: int, as_json: bool) -> None:
    """The delivery log, newest first: each event, each subscription, how it went."""
    rows = run(lambda store: webhook_cases.delivery_log(store, webhook_id, limit))
    if as_json:
        output.emit_json(rows)
    else:
        columns = ["id", "webhook_id", "event_id", "type", "status", "attempts", "last_error"]
        output.table(rows, columns, "nothing delivered yet")


@webhook.command("replay")
@click.argument("webhook_id", type=int)
@click.option("--event", "event_id", help="One event, by its id (msg_...).")
@click.option("--since", help="Every event from this time (ISO-8601)...")
@click.option("--until", help="... to this one (default: now).")
def webhook_replay(
    webhook_id: int, event_id: str | None, since: str | None, until: str | None
) -> None:
    """Deliver events again, with their first webhook-id (receivers de-duplicate on it)."""
    start: datetime | None = clock.parse_iso(since) if since else None
    end: datetime | None = clock.parse_iso(until) if until else None
    queued = run(
        lambda store: webhook_cases.replay(
            store, webhook_id, event_id=event_id, start=start, end=end, now=clock.now()
        )
    )
    click.echo(f"{queued} event(s) queued for webhook {webhook_id}")
