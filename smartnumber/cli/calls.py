"""Commands for calls: a number's routing and call handling, click-to-call, caller ID,
route explain, recordings. Each parses, calls one use case (app/calls.py), presents."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from .. import clock
from ..app import calls as cases
from ..errors import UserError
from ..model import ForwardWhen, RoutingMode
from . import output
from .base import JSON_OPTION, cli, db, run
from .directory import number


@number.command("routing")
@click.argument("e164", metavar="NUMBER")
@click.option(
    "--mode",
    type=click.Choice([m.value for m in RoutingMode]),
    required=True,
    help="agent: one agent; receptionist: one receptionist; group: ring all at "
    "once; round-robin: take turns (fair, remembered across restarts).",
)
@click.option("--agents", "agent_list", required=True, help="NAME[,NAME...] in order.")
def number_routing(e164: str, mode: str, agent_list: str) -> None:
    """How the number routes callers no agent is attached to (new leads)."""
    names = [n.strip() for n in agent_list.split(",") if n.strip()]
    found, routing_mode, agents = run(
        lambda store: cases.set_number_routing(store, e164, mode, names)
    )
    click.echo(f"{found.e164}: {routing_mode.value} -> {', '.join(a.name for a in agents)}")
    inactive = [a.name for a in agents if not a.active]
    if inactive:
        click.echo(f"note: inactive, skipped or redirected to an admin: {', '.join(inactive)}")


@number.command("config")
@click.argument("e164", metavar="NUMBER")
@click.option("--forward-to", help="External number to ring (United States or Canada only).")
@click.option("--no-forward", is_flag=True, help="Stop forwarding.")
@click.option(
    "--forward-when",
    type=click.Choice([w.value for w in ForwardWhen]),
    help="no-answer: after the agents ring out (default); always: instead of them;"
    " together: at the same time as them, first to answer wins.",
)
@click.option("--timeout", type=int, help="Seconds each stage rings (5-120).")
@click.option(
    "--voicemail/--no-voicemail",
    default=None,
    help="When nobody answers, the caller can leave a message (lands on the timeline).",
)
@click.option(
    "--call-connect/--no-call-connect",
    default=None,
    help="External legs (cells, forwards) must press 1 before the call is bridged.",
)
@click.option(
    "--pass-called-number/--no-pass-called-number",
    default=None,
    help="Answering phones show the Smart Number dialled, not the caller's number.",
)
@click.option("--whisper", help="Spoken to whoever answers, before the caller is connected.")
@click.option(
    "--whisper-file",
    type=click.Path(exists=True, dir_okay=False),
    help="An audio file (any format sox reads) to play as the whisper.",
)
@click.option("--no-whisper", is_flag=True, help="Stop whispering.")
@click.option(
    "--record/--no-record", default=None, help="Record answered calls (onto the timeline)."
)
@click.option(
    "--record-consent",
    help="When recording: played to an inbound caller before ringing, and to a"
    " click-to-call's contact once they answer.",
)
@click.option("--no-record-consent", is_flag=True, help="No consent prompt.")
@click.option(
    "--sms-carrier",
    metavar="NAME",
    help="Carrier of this number's texts (`carrier list`); `sip`: SIP MESSAGE over the"
    " trunk again. Texts queued from then on leave through it.",
)
@JSON_OPTION
def number_config(e164: str, as_json: bool, **changes: Any) -> None:
    """Call handling for a Smart Number (show it with `number show`). Changes apply to the
    next call; no Asterisk reload is needed. Prompts are spoken by espeak-ng into the
    media directory (setting media.dir)."""
    found, handling = run(lambda store: cases.configure_number(store, db(), e164, changes))
    shown = {"number": found.e164, **handling.as_dict()}
    output.emit_json(shown) if as_json else output.record(shown)


# -- click-to-call ----------------------------------------------------------------------------


def stage_line(reached: cases.Stage, detail: str) -> None:
    output.line(f"  {reached.value}" + (f": {detail}" if detail else ""))


def note_line(text: str) -> None:
    output.line(f"  note: {text}")


@cli.command("call")
@click.argument("agent_name", metavar="AGENT")
@click.argument("number_text", metavar="CONTACT-NUMBER")
@click.option(
    "--via",
    type=click.Choice(["endpoint", "cell"]),
    help="Ring the agent's SIP phone or their cell (default: the phone if they have one).",
)
@click.option(
    "--ring",
    default=cases.AGENT_RING_SECONDS,
    show_default=True,
    type=click.IntRange(5, 120),
    help="Seconds the agent's phone rings.",
)
@click.option("--wait", is_flag=True, help="Stay until the call ends; exit 0 only if connected.")
def call_contact(agent_name: str, number_text: str, via: str | None, ring: int, wait: bool) -> None:
    """Click-to-call: ring the agent first; when they answer, dial the contact from the
    agent's outbound number (`outbound-number`) and bridge them. A new number becomes a
    lead owned by the agent. A cell must press 1 to take the call."""

    shown: list[cases.Plan] = []

    def show_plan(plan: cases.Plan) -> None:
        shown.append(plan)
        click.echo(plan.summary)

    follow = run(
        lambda store: cases.click_to_call_contact(
            store,
            agent_name,
            number_text,
            via,
            clock.now,
            show_plan,
            stage_line,
            note_line,
            wait=wait,
            ring_seconds=ring,
        )
    )
    if wait and cases.Stage.CONNECTED not in follow.stages:
        raise UserError(cases.contact_outcome(shown[0], follow))


# -- caller ID --------------------------------------------------------------------------------


@cli.group()
def callerid() -> None:
    """An agent's own number (cell, desk line) as caller ID, once they prove it is theirs."""


@callerid.command("verify")
@click.argument("agent_name", metavar="AGENT")
@click.argument("number_text", metavar="NUMBER")
@click.option(
    "--timeout",
    "limit",
    default=60,
    show_default=True,
    type=click.IntRange(10, 300),
    help="Seconds to answer and key in the code.",
)
def callerid_verify(agent_name: str, number_text: str, limit: int) -> None:
    """Call NUMBER (United States or Canada) and ask whoever answers for the code shown
    here; the right code within the time limit verifies it."""
    verified = run(
        lambda store: cases.verify_caller_id(
            store, db(), agent_name, number_text, clock.now, limit=limit, show=click.echo
        )
    )
    click.echo(
        f"{verified} verified; show it on calls with"
        f" `smartnumber callerid use {agent_name!r} {verified}`"
    )


@callerid.command("use")
@click.argument("agent_name", metavar="AGENT")
@click.argument("choice", metavar="NUMBER|smart")
def callerid_use(agent_name: str, choice: str) -> None:
    """Show a verified number on the agent's calls, or `smart` for their Smart Number."""
    agent, shown = run(lambda store: cases.use_caller_id(store, agent_name, choice))
    click.echo(f"{agent.name}'s calls show {shown or 'their Smart Number'}")


@callerid.command("list")
@click.argument("agent_name", metavar="AGENT")
@JSON_OPTION
def callerid_list(agent_name: str, as_json: bool) -> None:
    """The agent's own numbers: verified or not, and which one is in use."""
    rows = run(lambda store: cases.list_caller_ids(store, agent_name))
    if as_json:
        output.emit_json(rows)
    else:
        output.table(rows, ["number", "verified", "in_use", "attempts"], "no caller IDs")


# -- route explain ----------------------------------------------------------------------------


@cli.group()
def route() -> None:
    """Inbound call routing decisions."""


@route.command("explain")
@click.option("--number", "e164", required=True, help="The Smart Number called.")
@click.option("--caller", required=True, help="The caller's number.")
@click.option("--at", "at_text", help="Decide as of this ISO-8601 time (default now).")
@JSON_OPTION
def route_explain(e164: str, caller: str, at_text: str | None, as_json: bool) -> None:
    """Whom a call would ring and why, without placing a call or changing anything."""
    at = clock.parse_iso(at_text) if at_text else clock.now()
    data = run(lambda store: cases.explain_route(store, e164, caller, at))
    if as_json:
        output.emit_json(data)
        return
    output.record(
        {
            "ring": ", ".join(data["agents"]) or "nobody (the number's fallback destination)",
            "rule": data["rule"],
            "strategy": data["strategy"],
            "redirect": data["redirect"],
            "contact": data["contact"],
            "new_lead": data["new_lead"],
            "ambiguous_contacts": data["ambiguous_contacts"] or None,
            "reason": data["reason"],
        }
    )


# -- recordings and voicemail ----------------------------------------------------------------


@cli.group()
def recording() -> None:
    """Call recordings and voicemail left on Smart Numbers."""


@recording.command("list")
@click.option("--contact", "contact_number", metavar="NUMBER", help="Only this contact's.")
@click.option("--limit", default=50, show_default=True, type=click.IntRange(1, 10000))
@JSON_OPTION
def recording_list(contact_number: str | None, limit: int, as_json: bool) -> None:
    """Recordings and voicemail, newest first."""
    rows = run(lambda store: cases.list_recordings(store, contact_number, limit))
    if as_json:
        output.emit_json(rows)
        return
    for row in rows:
        row["at"] = output.when(row["at"])
    columns = ["id", "kind", "at", "contact", "smart_number", "seconds"]
    output.table(rows, columns, "no recordings yet")


@recording.command("export")
@click.argument("recording_id", metavar="ID")
@click.option(
    "--out", required=True, type=click.Path(dir_okay=False, path_type=Path), help="WAV to write."
)
@click.option("--force", is_flag=True, help="Replace --out if it exists.")
def recording_export(recording_id: str, out: Path, force: bool) -> None:
    """Write a recording's audio (WAV, 8 kHz mono) to a file."""
    found = run(lambda store: cases.export_recording(store, recording_id, out, force))
    click.echo(f"wrote {out} ({found.kind.value}, {found.seconds} s)")
