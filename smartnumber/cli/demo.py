"""`smartnumber demo ...`: demo data and test calls and texts, with sipp phones standing in
for everyone, to try smartnumber without a phone (demo/run.py)."""

from __future__ import annotations

import click

from .. import clock
from ..demo import run as demo_run
from ..errors import UserError
from . import output
from .base import cli, run
from .calls import note_line, stage_line


@cli.group()
def demo() -> None:
    """Demo data and a test call, to try smartnumber without a phone."""


@demo.command("load")
def demo_load() -> None:
    """Provision a demo company: an office, teams, agents, numbers, contacts, history."""
    loaded = run(lambda store: demo_run.load(store, clock.now()))
    click.echo("demo data loaded" if loaded else "demo data already loaded")


@demo.command("click-to-call")
@click.argument("agent_name", metavar="AGENT", default="Bob Baker")
@click.argument("number", metavar="CONTACT-NUMBER", default="+13105550188")
def demo_click_to_call(agent_name: str, number: str) -> None:
    """`smartnumber call AGENT NUMBER --wait` with sipp phones answering for the demo
    agents and a sipp contact on the trunk who answers and hangs up after 3 s.

    Needs the private Asterisk and the routing service running (`./scripts/demo`).
    """
    run(
        lambda store: demo_run.click_to_call(
            store, agent_name, number, clock.now, click.echo, stage_line, note_line
        )
    )


@demo.command("texts")
@click.option("--from", "sender", default="+12125550150", show_default=True)
@click.option("--to", "number", default="+12125550100", show_default=True)
@click.argument("message", default="Is the 5th Ave apartment still available?")
def demo_texts(sender: str, number: str, message: str) -> None:
    """Texts both ways: a sipp phone on the trunk texts a Smart Number (forwarded to the
    owning agent's cell), then that agent answers with `text send`; shows what the
    carrier's side of the trunk received. Needs Asterisk and the service running."""
    received = run(lambda store: demo_run.texts(store, sender, number, message, clock.now))
    output.line(f"{sender} texted {number}: {message}")
    for to, sender_number, body, by in received:
        said = " ".join(body.split())  # one line, as `text queue` shows it
        output.line(f"{by} carried: to {to} from {sender_number}: {said}")


@demo.command("call")
@click.argument("e164", metavar="NUMBER", default="+12125550100")
@click.option(
    "--from",
    "caller",
    default="+12125550150",
    show_default=True,
    help="The caller's number (a demo contact by default).",
)
def demo_call(e164: str, caller: str) -> None:
    """Call a Smart Number from the trunk; sipp phones answer for agents on loopback.

    Needs the private Asterisk running (`smartnumber asterisk start`).
    """
    outcome = run(lambda store: demo_run.call(store, e164, caller, click.echo))
    rung = ", ".join(outcome.rung) or "nobody"
    if outcome.answered_by:
        click.echo(f"answered by {outcome.answered_by}")
    elif outcome.caller_ok:  # answered, but not as the timeline can tell (yet)
        click.echo(
            f"no demo phone answered (rang: {rung}); something else did: a softphone"
            " registered as an agent, voicemail or a forward (see `smartnumber timeline`)"
        )
    else:
        raise UserError(f"not answered (rang: {rung}) {outcome.detail}".strip())
