"""The `smartnumber` command: provisioning and operating a Smart Number beside Asterisk.

Commands parse their arguments and call service functions; they hold no logic of
their own. Tables for people, --json for machines; user errors end in one line, exit 1.
"""

from __future__ import annotations

import asyncio
import contextlib
import subprocess
import sys
from collections.abc import Awaitable, Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, TypeVar

import click
import uvloop

from .. import clock, logs, media, phone, settings
from ..app import views
from ..asterisk import check as asterisk_check_rules
from ..asterisk.ami import AmiConfig
from ..asterisk.dialplan import context as dialplan_context
from ..asterisk.dialplan import render as dialplan_render
from ..asterisk.instance import PrivateAsterisk, system_rx
from ..asterisk.ownership import Owner
from ..calls import caller_id as callerid_service
from ..calls import click_to_call as clicktocall
from ..calls import handling as number_config_service
from ..calls import inbound as calls
from ..calls import recordings
from ..demo import data as demo_data
from ..directory import imports
from ..directory import organisation as provision
from ..errors import StorageError, UserError
from ..model import (
    ActivityKind,
    Direction,
    ForwardWhen,
    LineType,
    QueuedText,
    RoutingMode,
    TextStatus,
)
from ..service import run as service
from ..service.config import ServiceConfig
from ..storage.repository import Repository, Store
from ..storage.sqlite import SqliteStore
from ..texting import codes as text_codes
from ..texting import compliance, inbox, outbox, suspension
from ..texting import inbound as texts
from ..texting import notices as mail
from . import output

T = TypeVar("T")

JSON_OPTION = click.option("--json", "as_json", is_flag=True, help="Print JSON for machines.")


@dataclass
class Settings:
    db: Path


class SmartGroup(click.Group):
    """Turns errors a user can cause into one clear line and exit status 1."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except UserError as exc:
            raise click.ClickException(output.printable(str(exc))) from None
        except StorageError as exc:
            raise click.ClickException(output.printable(f"database {ctx.obj.db}: {exc}")) from None
        except KeyboardInterrupt:
            click.echo("interrupted", err=True)
            sys.exit(130)


def _db() -> Path:
    return Path(click.get_current_context().find_root().obj.db)


def with_store(work: Callable[[Store], Awaitable[T]], *, create: bool = False) -> T:
    """Run work on the configured database (migrated on open), for work that needs
    several transactions of its own."""
    path = _db()
    if not create and not path.exists():
        raise UserError(f"no database at {path}; run `smartnumber init` first (or pass --db)")

    async def go() -> T:
        store = await SqliteStore.open(path)
        try:
            return await work(store)
        finally:
            await store.close()

    return asyncio.run(go())


def with_repo(work: Callable[[Repository], Awaitable[T]], *, create: bool = False) -> T:
    """Run work in one transaction on the configured database (migrated on open)."""

    async def in_one_transaction(store: Store) -> T:
        async with store.transaction() as repo:
            return await work(repo)

    return with_store(in_one_transaction, create=create)


@click.group(cls=SmartGroup)
@click.option(
    "--db",
    envvar="SMARTNUMBER_DB",
    default="smartnumber.db",
    show_default=True,
    type=click.Path(dir_okay=False),
    help="SQLite database file (env SMARTNUMBER_DB).",
)
@click.version_option(package_name="smartnumber")
@click.pass_context
def cli(ctx: click.Context, db: str) -> None:
    """smartnumber: a Smart Number for Asterisk that knows the CRM.

    Provision offices, teams, agents, Smart Numbers and contacts; render and run the
    Asterisk configuration; read every contact's timeline.
    """
    ctx.obj = Settings(Path(db))


@cli.command()
def init() -> None:
    """Create the database (or bring its schema up to date), and make it and the media
    directory private (files an earlier version left readable by others are tightened)."""

    async def work(repo: Repository) -> dict[str, str]:
        await settings.ensure_defaults(repo)
        return await settings.load(repo)

    values = with_repo(work, create=True)  # opening it makes it (and its WAL) 0600
    owner = Owner.parse(values["asterisk.owner"])
    media_dir = media.directory(values, _db())
    media.create_dirs(media_dir, owner)
    tightened = media.tighten(media_dir, owner)
    click.echo(f"database ready: {_db()} (readable by its owner only)")
    if tightened:
        click.echo(f"made {tightened} audio file(s) in {media_dir} private")


# -- offices and teams ------------------------------------------------------------------------


@cli.group()
def office() -> None:
    """Offices: the top of Office > Team > Agent."""


@office.command("add")
@click.argument("name")
def office_add(name: str) -> None:
    """Add an office."""
    added = with_repo(lambda repo: provision.add_office(repo, name))
    click.echo(f"office added: {added.name}")


@office.command("list")
@JSON_OPTION
def office_list(as_json: bool) -> None:
    """List offices."""
    offices = with_repo(lambda repo: repo.list_offices())
    rows = [{"name": o.name} for o in offices]
    output.emit_json(rows) if as_json else output.table(rows, ["name"], "no offices")


@cli.group()
def team() -> None:
    """Teams within offices."""


@team.command("add")
@click.argument("name")
@click.option("--office", "office_name", required=True, help="The office the team belongs to.")
def team_add(name: str, office_name: str) -> None:
    """Add a team to an office."""
    added = with_repo(lambda repo: provision.add_team(repo, name, office_name))
    click.echo(f"team added: {added.name} (office {office_name})")


@team.command("list")
@JSON_OPTION
def team_list(as_json: bool) -> None:
    """List teams."""

    async def work(repo: Repository) -> list[dict[str, Any]]:
        names = await views.Names.load(repo)
        return [
            {"name": t.name, "office": names.office(t.office_id)} for t in await repo.list_teams()
        ]

    rows = with_repo(work)
    output.emit_json(rows) if as_json else output.table(rows, ["name", "office"], "no teams")


# -- agents -----------------------------------------------------------------------------------


@cli.group()
def agent() -> None:
    """Agents: the people who answer and place calls and texts."""


@agent.command("add")
@click.argument("name")
@click.option("--cell", required=True, help="The agent's cell phone number.")
@click.option("--endpoint", help="SIP endpoint, e.g. PJSIP/alice.")
@click.option(
    "--sip-contact", help="Static SIP contact (sip:127.0.0.3:5060) instead of registering."
)
@click.option("--office", "office_name", help="Office the agent works in.")
@click.option("--team", "team_name", help="Team the agent belongs to (implies its office).")
@click.option("--admin", is_flag=True, help="A company admin (gets redirected calls, alerts).")
@click.option("--email", help="Email address (admins get suspension notices).")
def agent_add(
    name: str,
    cell: str,
    endpoint: str | None,
    sip_contact: str | None,
    office_name: str | None,
    team_name: str | None,
    admin: bool,
    email: str | None,
) -> None:
    """Add an agent."""
    added = with_repo(
        lambda repo: provision.add_agent(
            repo,
            name,
            cell,
            endpoint=endpoint,
            office_name=office_name,
            team_name=team_name,
            admin=admin,
            email=email,
            sip_contact=sip_contact,
        )
    )
    click.echo(f"agent added: {added.name} ({added.cell})")
    if added.endpoint:
        click.echo(
            f"SIP login for {added.endpoint}: user {added.endpoint_name}; the password is"
            f" shown by `smartnumber agent show {added.name!r} --reveal`"
        )


def _set_active(name: str, active: bool) -> None:
    changed = with_repo(lambda repo: provision.set_agent_active(repo, name, active))
    click.echo(f"agent {changed.name} is now {'active' if changed.active else 'inactive'}")


@agent.command("deactivate")
@click.argument("name")
def agent_deactivate(name: str) -> None:
    """Mark an agent inactive: their calls go to a company admin."""
    _set_active(name, False)


@agent.command("activate")
@click.argument("name")
def agent_activate(name: str) -> None:
    """Mark an agent active again."""
    _set_active(name, True)


@agent.command("list")
@JSON_OPTION
def agent_list(as_json: bool) -> None:
    """List agents."""

    async def work(repo: Repository) -> list[dict[str, Any]]:
        names = await views.Names.load(repo)
        return [views.agent(a, names) for a in await repo.list_agents()]

    rows = with_repo(work)
    columns = ["name", "cell", "endpoint", "office", "team", "active", "admin"]
    output.emit_json(rows) if as_json else output.table(rows, columns, "no agents")


@agent.command("show")
@click.argument("name")
@click.option("--reveal", is_flag=True, help="Also show the SIP password (masked otherwise).")
@JSON_OPTION
def agent_show(name: str, reveal: bool, as_json: bool) -> None:
    """Show one agent and their outbound Smart Number (--reveal: their SIP password)."""

    async def work(repo: Repository) -> dict[str, Any]:
        found, choice = await provision.outbound_number(repo, name)
        names = await views.Names.load(repo)
        view = views.agent_detail(found, names, reveal=reveal)
        view["outbound_number"] = views.outbound(found.name, choice)["number"]
        current = await suspension.active(repo, found.id, clock.now())
        view["texting_suspended"] = (
            views.suspension(current, names, clock.now(), await repo.suspension_emails(current.id))
            if current
            else None
        )
        return view

    data = with_repo(work)
    output.emit_json(data) if as_json else output.record(data)


@cli.command("outbound-number")
@click.argument("agent_name", metavar="AGENT")
@click.option("--to", "contact", metavar="NUMBER", help="For a call or text to this number.")
@JSON_OPTION
def outbound_number(agent_name: str, contact: str | None, as_json: bool) -> None:
    """Which number the agent's calls and texts show: their verified caller ID if they
    chose one, else personal (in the contact's area code when they have several) >
    team > office Smart Number."""
    to = phone.to_e164(contact) if contact else None

    async def work(repo: Repository) -> dict[str, Any]:
        found, choice = await provision.outbound_number(repo, agent_name, to)
        return views.outbound(found.name, choice)

    data = with_repo(work)
    if as_json:
        output.emit_json(data)
    elif data["number"] is None:
        raise UserError(f"agent {data['agent']} has no Smart Number: {data['reason']}")
    else:
        click.echo(f"{data['number']} ({data['reason']})")


# -- Smart Numbers ----------------------------------------------------------------------------


@cli.group()
def number() -> None:
    """Smart Numbers: the business numbers (DIDs) on the trunk."""


@number.command("add")
@click.argument("e164", metavar="NUMBER")
@click.option("--scope", type=click.Choice(["office", "team", "personal"]), required=True)
@click.option("--owner", required=True, help="Office, team or (personal) agent name.")
@click.option("--primary", is_flag=True, help="Make it the agent's primary personal number.")
@click.option("--fallback", help="Agent to ring when the routing service is unreachable.")
def number_add(e164: str, scope: str, owner: str, primary: bool, fallback: str | None) -> None:
    """Add a Smart Number owned by an office, a team or one agent."""
    added = with_repo(
        lambda repo: provision.add_number(
            repo, e164, scope, owner, primary=primary, fallback=fallback
        )
    )
    click.echo(f"Smart Number added: {added.e164} ({scope}: {owner})")


@number.command("list")
@JSON_OPTION
def number_list(as_json: bool) -> None:
    """List Smart Numbers."""

    async def work(repo: Repository) -> list[dict[str, Any]]:
        names = await views.Names.load(repo)
        return [views.number(n, names) for n in await repo.list_numbers()]

    rows = with_repo(work)
    columns = ["number", "scope", "owner", "primary", "fallback_agent"]
    output.emit_json(rows) if as_json else output.table(rows, columns, "no Smart Numbers")


@number.command("show")
@click.argument("e164", metavar="NUMBER")
@JSON_OPTION
def number_show(e164: str, as_json: bool) -> None:
    """Show one Smart Number and where its calls fall back to."""

    async def work(repo: Repository) -> dict[str, Any]:
        found = await provision.number_called(repo, e164)
        view_names = await views.Names.load(repo)
        view = views.number(found, view_names)
        fallback = await provision.fallback_agent(repo, found)
        view["fallback_destination"] = fallback.name if fallback else None
        view["call_handling"] = found.handling.as_dict()
        routing = await repo.number_routing(found.id)
        view["routing"] = (
            {
                "mode": routing.mode.value,
                "agents": [view_names.agent(i) for i in routing.agent_ids],
                "last_agent": view_names.agent(routing.last_agent_id),
            }
            if routing
            else None
        )
        return view

    data = with_repo(work)
    output.emit_json(data) if as_json else output.record(data)


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
    number, routing_mode, agents = with_repo(
        lambda repo: calls.set_number_routing(repo, e164, mode, names)
    )
    click.echo(f"{number.e164}: {routing_mode.value} -> {', '.join(a.name for a in agents)}")
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
@click.option("--record-consent", help="Played to the caller before ringing, when recording.")
@click.option("--no-record-consent", is_flag=True, help="No consent prompt.")
@JSON_OPTION
def number_config(e164: str, as_json: bool, **changes: Any) -> None:
    """Call handling for a Smart Number (show it with `number show`). Changes apply to the
    next call; no Asterisk reload is needed. Prompts are spoken by espeak-ng into the
    media directory (setting media.dir)."""
    number_config_service.check_contradictions(changes)
    media_dir = media.directory(with_repo(settings.load), _db())
    changes = number_config_service.make_prompts(media_dir, changes)
    number, handling = with_repo(lambda repo: number_config_service.configure(repo, e164, changes))
    if as_json:
        output.emit_json({"number": number.e164, **handling.as_dict()})
    else:
        output.record({"number": number.e164, **handling.as_dict()})


# -- contacts ---------------------------------------------------------------------------------


@cli.group()
def contact() -> None:
    """Contacts (leads) and their phone numbers."""


@contact.command("add")
@click.argument("name")
@click.option("--phone", "phones", multiple=True, required=True, help="A phone number (repeat).")
@click.option("--owner", help="The agent who owns the contact.")
@click.option(
    "--line-type",
    type=click.Choice([t.value for t in LineType]),
    default="unknown",
    show_default=True,
)
def contact_add(name: str, phones: tuple[str, ...], owner: str | None, line_type: str) -> None:
    """Add a contact with one or more phone numbers."""
    added, sharing = with_repo(
        lambda repo: provision.add_contact(
            repo, name, phones, now=clock.now(), owner=owner, line_type=line_type
        )
    )
    click.echo(f"contact added: {added.name} ({', '.join(p.e164 for p in added.phones)})")
    for other in sharing:
        click.echo(f"note: shares a number with {other.name}")


@contact.command("list")
@click.option("--limit", default=100, show_default=True, type=click.IntRange(1, 100000))
@click.option("--offset", default=0, type=click.IntRange(0))
@JSON_OPTION
def contact_list(limit: int, offset: int, as_json: bool) -> None:
    """List contacts, oldest first."""

    async def work(repo: Repository) -> list[dict[str, Any]]:
        names = await views.Names.load(repo)
        return [views.contact(c, names) for c in await repo.list_contacts(limit, offset)]

    rows = with_repo(work)
    if as_json:
        output.emit_json(rows)
        return
    for row in rows:
        row["numbers"] = [p["number"] for p in row["phones"]]
    output.table(rows, ["name", "numbers", "owner", "source"], "no contacts")


@contact.command("show")
@click.argument("phone_number", metavar="NUMBER")
@JSON_OPTION
def contact_show(phone_number: str, as_json: bool) -> None:
    """Show the contact(s) with this phone number (several when it is shared)."""

    async def work(repo: Repository) -> list[dict[str, Any]]:
        _, found = await provision.contacts_with(repo, phone_number)
        names = await views.Names.load(repo)
        return [views.contact(c, names) for c in found]

    rows = with_repo(work)
    if as_json:
        output.emit_json(rows)
        return
    for i, row in enumerate(rows):
        if i:
            click.echo()
        phones = row.pop("phones")
        output.record(row)
        output.table(phones, ["number", "subscription", "line_type"], "")


def _import(
    kind: str,
    path: Path,
    run: Callable[[Store, imports.Progress], Awaitable[imports.ImportReport]],
    as_json: bool,
) -> None:
    total = imports.count_rows(path)
    # The bar starts with the first row, so a file refused outright shows only the error.
    bar: Any = None
    seen = 0

    def progress(line: int) -> None:
        nonlocal bar, seen
        if bar is None:
            bar = click.progressbar(
                length=total, label=f"importing {kind}", file=sys.stderr, show_pos=True
            ).__enter__()
        bar.update(line - seen)
        seen = line

    try:
        report = with_store(lambda store: run(store, progress))
    finally:
        if bar is not None:
            bar.__exit__(None, None, None)
    if as_json:
        output.emit_json(report.as_dict())
    else:
        for line, message in report.errors:
            output.line(f"line {line}: {message}", err=True)
        skipped = f", {report.skipped} already imported" if report.skipped else ""
        click.echo(f"{report.added} {kind} imported{skipped}, {len(report.errors)} rejected")
    if report.errors:
        sys.exit(1)


@contact.command("import")
@click.argument(
    "path", metavar="FILE.csv", type=click.Path(exists=True, dir_okay=False, path_type=Path)
)
@JSON_OPTION
def contact_import(path: Path, as_json: bool) -> None:
    """Import contacts from CSV: name, phone (several separated by ';'), owner, line_type.

    Bad rows are reported with their line numbers (exit 1); good rows are kept.
    """
    _import(
        "contacts",
        path,
        lambda store, progress: imports.import_contacts(
            store, path, now=clock.now(), progress=progress
        ),
        as_json,
    )


@contact.command("set-linetype")
@click.argument("number", metavar="NUMBER")
@click.argument("line_type", metavar="TYPE", type=click.Choice([t.value for t in LineType]))
def contact_set_linetype(number: str, line_type: str) -> None:
    """Record what kind of line a number is (a landline cannot receive texts)."""
    e164 = phone.to_e164(number)
    with_repo(lambda repo: repo.set_line_type(e164, LineType(line_type)))
    click.echo(f"{e164}: {line_type}")


@cli.group()
def linetype() -> None:
    """Line types of numbers and NPA-NXX prefixes (landline, mobile, voip)."""


@linetype.command("import")
@click.argument(
    "path", metavar="FILE.csv", type=click.Path(exists=True, dir_okay=False, path_type=Path)
)
def linetype_import(path: Path) -> None:
    """Import `number or NPA-NXX, type` rows (e.g. `212-555,landline`). All or nothing:
    with any bad row, the bad rows are listed by line number and nothing is stored."""
    rows, errors = compliance.read_line_types(path)
    if errors:
        for error in errors:
            click.echo(error, err=True)
        raise UserError(f"{len(errors)} bad row(s) in {path}; nothing imported")

    async def store(repo: Repository) -> None:
        with click.progressbar(rows, label="line types") as bar:
            for row in bar:
                await repo.set_line_type(row.prefix, row.line_type)

    with_repo(store)
    click.echo(f"{len(rows)} line types imported")


# -- activities and the timeline ----------------------------------------------------------


@cli.group()
def activity() -> None:
    """Timeline entries: calls, texts, emails, alerts, notes..."""


@activity.command("add")
@click.option("--contact", "contact_number", required=True, help="The contact's phone number.")
@click.option("--contact-name", help="Which contact, when the number is shared.")
@click.option("--agent", "agent_name", help="The agent involved.")
@click.option("--kind", type=click.Choice([k.value for k in ActivityKind]), required=True)
@click.option("--direction", type=click.Choice([d.value for d in Direction]), required=True)
@click.option("--at", "at_text", help="ISO-8601 time (no zone = UTC); default now.")
@click.option("--number", "smart_number", help="The Smart Number used.")
@click.option("--detail", help="Free text.")
def activity_add(
    contact_number: str,
    contact_name: str | None,
    agent_name: str | None,
    kind: str,
    direction: str,
    at_text: str | None,
    smart_number: str | None,
    detail: str | None,
) -> None:
    """Add one activity to a contact's timeline."""
    at = clock.parse_iso(at_text) if at_text else clock.now()
    added = with_repo(
        lambda repo: provision.add_activity(
            repo,
            contact_number=contact_number,
            contact_name=contact_name,
            kind=kind,
            direction=direction,
            at=at,
            agent=agent_name,
            smart_number=smart_number,
            detail={"text": detail} if detail else {},
        )
    )
    assert added is not None  # no external id, so never a duplicate
    click.echo(
        f"activity added: {added.kind.value} {added.direction.value} at {added.at.isoformat()}"
    )


@activity.command("import")
@click.argument(
    "path", metavar="FILE", type=click.Path(exists=True, dir_okay=False, path_type=Path)
)
@JSON_OPTION
def activity_import(path: Path, as_json: bool) -> None:
    """Import activities from CSV or JSON lines (how a CRM feeds emails and alerts in).

    Fields: contact, kind, direction, at; optional agent, contact_name, smart_number,
    detail, id (the CRM's id: importing the same id again adds nothing).
    """
    _import(
        "activities",
        path,
        lambda store, progress: imports.import_activities(store, path, progress=progress),
        as_json,
    )


@cli.command()
@click.argument("phone_number", metavar="NUMBER")
@click.option("--limit", default=50, show_default=True, type=click.IntRange(1, 10000))
@JSON_OPTION
def timeline(phone_number: str, limit: int, as_json: bool) -> None:
    """A contact's timeline, newest first (all contacts sharing the number)."""

    async def work(repo: Repository) -> list[dict[str, Any]]:
        _, found = await provision.contacts_with(repo, phone_number)
        by_id = {c.id: c.name for c in found}
        names = await views.Names.load(repo)
        return [
            views.activity(a, names, by_id.get(a.contact_id))
            for a in await repo.timeline(list(by_id), limit)
        ]

    rows = with_repo(work)
    if as_json:
        output.emit_json(rows)
        return
    for row in rows:
        row["at"] = output.when(row["at"])
        row["detail"] = views.summary(row["kind"], row["detail"])
    columns = ["at", "kind", "direction", "contact", "agent", "smart_number", "detail"]
    output.table(rows, columns, "no activity yet")


# -- texts ------------------------------------------------------------------------------------


@cli.group()
def text() -> None:
    """Texts from and to Smart Numbers (SIP MESSAGE over the trunk). Every text that
    leaves goes through the outbox; the routing service (`serve`) delivers it."""


@text.command("send")
@click.option("--agent", "agent_name", required=True, help="Who sends it (their Smart Number).")
@click.option("--to", "to", required=True, metavar="NUMBER", help="The contact's number.")
@click.option(
    "--anyway",
    is_flag=True,
    help="Send a text that trips a spam rule, and be suspended from starting texts.",
)
@click.option(
    "--wait",
    "wait_seconds",
    default=1.5,
    show_default=True,
    type=click.FloatRange(0, 300),
    help="Seconds to wait for the routing service to hand it to Asterisk (0: not at all).",
)
@click.argument("message")
def text_send(agent_name: str, to: str, message: str, anyway: bool, wait_seconds: float) -> None:
    """Text a contact from the agent's Smart Number (personal > team > office). Refused,
    with a note on the timeline, to numbers that opted out, landlines, from numbers not
    registered to text, and while the agent is suspended (unless the lead texted first).
    A text that would trip a spam rule is held back with a warning. The text is queued
    at once; if Asterisk cannot be reached it waits in the outbox (`text queue`)."""

    async def work(store: Store) -> tuple[texts.Sent, QueuedText | None, tuple[int, int]]:
        async with store.transaction() as repo:
            sent = await texts.send(repo, agent_name, to, message, clock.now(), anyway=anyway)
            values = await settings.load(repo)
        if sent.queued is None:
            return sent, None, (0, 0)
        [state] = await outbox.outcome(store, [sent.queued], wait_seconds)
        mailed = (0, 0)
        if sent.suspended:
            mailed = await mail.flush(store, mail.SmtpConfig.from_settings(values), clock.now)
        return sent, state, mailed

    sent, state, (delivered, waiting) = with_store(work)
    if sent.warning:
        raise UserError(
            f"not sent: {sent.warning}. Change the message, or send it with --anyway and be"
            " suspended from starting texts for 30 days"
        )
    if sent.outgoing is None or state is None:
        raise UserError(sent.refused or "not sent")
    if sent.suspended:
        click.echo(
            f"{agent_name} is now suspended from starting texts until"
            f" {sent.suspended.ends_at:%Y-%m-%d %H:%M} UTC: {sent.suspended.summary}"
        )
        click.echo(
            f"admins emailed: {delivered}"
            + (f"; {waiting} queued, retried by the routing service" if waiting else "")
        )
    if state.status in (TextStatus.CANCELLED, TextStatus.FAILED):
        raise UserError(f"not sent to {state.recipient}: {state.last_error}")
    if state.status is TextStatus.SENT:
        click.echo(f"sent to {state.recipient} from {state.sender}")
    else:
        click.echo(
            f"queued for {state.recipient} from {state.sender} (text {state.id}): the routing"
            " service sends it once Asterisk is reachable; see `smartnumber text queue`"
        )


@text.command("queue")
@click.option("--all", "everything", is_flag=True, help="Also the latest sent, failed, etc.")
@click.option("--limit", default=50, show_default=True, type=click.IntRange(1, 10000))
@JSON_OPTION
def text_queue(everything: bool, limit: int, as_json: bool) -> None:
    """Texts waiting in the outbox for the routing service to deliver, newest first
    (--all: with what became of the latest others)."""
    rows = [views.queued_text(t) for t in with_repo(lambda r: outbox.listing(r, everything, limit))]
    if as_json:
        output.emit_json(rows)
        return
    for row in rows:
        row["queued_at"] = output.when(row["queued_at"])
    columns = ["id", "queued_at", "status", "to", "from", "purpose", "attempts", "reason", "text"]
    output.table(rows, columns, "nothing waits in the outbox")


def _flush_mail() -> tuple[int, int]:
    config = mail.SmtpConfig.from_settings(with_repo(settings.load))
    return with_store(lambda store: mail.flush(store, config, clock.now))


@cli.group("mail")
def mail_group() -> None:
    """Email waiting to go to admins (suspension notices)."""


@mail_group.command("flush")
def mail_flush() -> None:
    """Send queued email now (the routing service also retries every minute)."""
    delivered, waiting = _flush_mail()
    click.echo(f"sent {delivered}, still queued {waiting}")
    if waiting:
        raise UserError(f"{waiting} email(s) could not be sent; see settings smtp.*")


@cli.group("suspension")
def suspension_group() -> None:
    """Agents suspended from starting texts (spam protection, SPEC 7)."""


@suspension_group.command("list")
@click.option("--all", "everything", is_flag=True, help="Also ended and lifted ones.")
@JSON_OPTION
def suspension_list(everything: bool, as_json: bool) -> None:
    """Suspensions in force (the dashboard banner), newest first."""

    async def work(repo: Repository) -> list[dict[str, Any]]:
        now = clock.now()
        names = await views.Names.load(repo)
        return [
            views.suspension(s, names, now, await repo.suspension_emails(s.id))
            for s in await repo.suspensions(None)
            if everything or s.active(now)
        ]

    rows = with_repo(work)
    if as_json:
        output.emit_json(rows)
        return
    output.table(
        rows, ["id", "agent", "pattern", "until", "status", "summary"], "nobody is suspended"
    )


@suspension_group.command("lift")
@click.argument("agent_name", metavar="AGENT")
@click.option("--reason", required=True, help="Why it is lifted early (kept on the record).")
def suspension_lift(agent_name: str, reason: str) -> None:
    """Lift an agent's suspension before its 30 days are over."""

    async def work(repo: Repository) -> str:
        agent = await provision.agent_named(repo, agent_name)
        await suspension.lift(repo, agent, reason, clock.now())
        return agent.name

    click.echo(f"{with_repo(work)} may start texts again")


@text.command("inject")
@click.option("--from", "sender", required=True, metavar="NUMBER", help="Who texted.")
@click.option("--to", "to", required=True, metavar="SMART-NUMBER", help="Which Smart Number.")
@click.argument("message")
def text_inject(sender: str, to: str, message: str) -> None:
    """Handle a text as if it had arrived on the trunk (text codes, opt-outs, forwards):
    the same code path as a real one; its replies go to the outbox and the routing
    service sends them for real."""
    arrived = inbox.Arrived(
        smart_number=phone.to_e164(to),
        sender=sender,
        from_header=f"<sip:{sender}@smartnumber-inject>",
        body=message,
    )

    async def work(store: Store) -> texts.Handled:
        text_id = await inbox.keep(store, arrived, "inject", clock.now(), within=10)
        assert text_id is not None  # a new message key each time
        handled = await inbox.handle_one(store, text_id, clock.now())
        return handled or texts.Handled(notes=["handled already by the routing service"])

    handled = with_store(work)
    for note in handled.notes:
        output.line(note)
    for queued in handled.queued:
        out = queued.message
        state = f"refused: {queued.refused}" if queued.refused else "queued"
        output.line(f"-> {out.to} ({out.purpose}, {state}): {out.body}")


@cli.group()
def textcode() -> None:
    """Text codes: a keyword people text to a Smart Number to become a lead."""


@textcode.command("add")
@click.argument("code")
@click.option("--reply", required=True, help="The auto-reply the texter gets.")
@click.option("--agent", "agent_name", help="New leads go to this agent.")
@click.option("--number", "number_text", help="New leads are routed by this number's routing.")
def textcode_add(code: str, reply: str, agent_name: str | None, number_text: str | None) -> None:
    """Create a text code (2-20 letters or digits; not STOP, HELP or the like)."""
    added = with_repo(
        lambda repo: text_codes.add(repo, code, reply, agent_name, number_text, clock.now())
    )
    click.echo(f"text code {added.code.upper()} added")


@textcode.command("list")
@JSON_OPTION
def textcode_list(as_json: bool) -> None:
    """All text codes."""
    rows = with_repo(text_codes.listing)
    output.emit_json(rows) if as_json else output.table(
        rows, ["code", "reply", "agent", "number"], "no text codes"
    )


@textcode.command("remove")
@click.argument("code")
def textcode_remove(code: str) -> None:
    """Remove a text code (its leads stay)."""
    with_repo(lambda repo: text_codes.remove(repo, code))
    click.echo(f"text code {code.strip().upper()} removed")


@cli.group("compliance")
def compliance_group() -> None:
    """Texting registration: 10DLC brands and campaigns, toll-free verification."""


@compliance_group.group("brand")
def compliance_brand() -> None:
    """A2P 10DLC brands (the business that texts)."""


@compliance_brand.command("add")
@click.argument("name")
@click.option("--ein", help="The business's tax id, as registered.")
def compliance_brand_add(name: str, ein: str | None) -> None:
    """Register a brand."""
    with_repo(lambda repo: compliance.add_brand(repo, name, ein, clock.now()))
    click.echo(f"brand {' '.join(name.split())} added")


@compliance_group.group("campaign")
def compliance_campaign() -> None:
    """A2P 10DLC campaigns: what a brand texts about."""


@compliance_campaign.command("add")
@click.option("--brand", required=True)
@click.option("--use-case", required=True, help="e.g. 'customer care', 'marketing'.")
@click.option(
    "--sample",
    "samples",
    multiple=True,
    help="A sample message naming the business and saying STOP to opt out (at least two).",
)
def compliance_campaign_add(brand: str, use_case: str, samples: tuple[str, ...]) -> None:
    """Register a campaign (pending until `set-status ID approved`)."""
    campaign_id = with_repo(
        lambda repo: compliance.add_campaign(repo, brand, use_case, samples, clock.now())
    )
    click.echo(f"campaign {campaign_id} added (pending)")


@compliance_campaign.command("set-status")
@click.argument("campaign_id", metavar="ID", type=int)
@click.argument("status", type=click.Choice(compliance.STATUSES))
def compliance_campaign_status(campaign_id: int, status: str) -> None:
    """Record the registry's verdict on a campaign."""
    with_repo(lambda repo: compliance.set_campaign_status(repo, campaign_id, status))
    click.echo(f"campaign {campaign_id}: {status}")


@compliance_group.command("link")
@click.argument("number", metavar="NUMBER")
@click.argument("campaign_id", metavar="CAMPAIGN", type=int)
def compliance_link(number: str, campaign_id: int) -> None:
    """Link a US local Smart Number to a campaign."""
    linked = with_repo(lambda repo: compliance.link(repo, number, campaign_id))
    click.echo(f"{linked.e164} linked to campaign {campaign_id}")


@compliance_group.command("tollfree")
@click.argument("number", metavar="NUMBER")
@click.argument("status", type=click.Choice(compliance.TOLLFREE_STATUSES))
def compliance_tollfree(number: str, status: str) -> None:
    """Record a toll-free number's verification status."""
    found = with_repo(lambda repo: compliance.tollfree(repo, number, status))
    click.echo(f"{found.e164}: toll-free verification {status}")


@compliance_group.command("show")
@click.argument("number", metavar="NUMBER")
@JSON_OPTION
def compliance_show(number: str, as_json: bool) -> None:
    """May this Smart Number text, and if not, which registration is missing?"""
    data = with_repo(lambda repo: compliance.show(repo, number))
    output.emit_json(data) if as_json else output.record(data)


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

    async def work(repo: Repository) -> list[dict[str, Any]]:
        found = await recordings.listing(repo, contact_number, limit)
        names = await views.Names.load(repo)
        contacts = {}
        for contact_id in {r.contact_id for r in found if r.contact_id is not None}:
            contact = await repo.contact_by_id(contact_id)
            contacts[contact_id] = contact.name if contact else None
        return [
            views.recording(r, names, contacts.get(r.contact_id) if r.contact_id else None)
            for r in found
        ]

    rows = with_repo(work)
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
    found = with_repo(lambda repo: recordings.find(repo, recording_id))
    recordings.export(found, out, force)
    click.echo(f"wrote {out} ({found.kind.value}, {found.seconds} s)")


# -- installation settings -------------------------------------------------------------------


@cli.group("settings")
def settings_group() -> None:
    """Installation settings: trunk, SIP and AMI binds, FastAGI address."""


@settings_group.command("show")
@click.option(
    "--reveal",
    metavar="KEY",
    help="Print only this setting's real value, even a secret (for an admin who needs it).",
)
@JSON_OPTION
def settings_show(reveal: str | None, as_json: bool) -> None:
    """Show all settings; secrets (passwords, the AGI token) are masked, --json too."""
    if reveal is not None:
        click.echo(with_repo(lambda repo: settings.reveal(repo, reveal)))
        return
    values = settings.masked(with_repo(settings.load))
    if as_json:
        output.emit_json(values)
        return
    rows = [{"key": k, "value": v, "help": settings.SETTINGS[k].help} for k, v in values.items()]
    output.table(rows, ["key", "value", "help"], "")


@settings_group.command("set")
@click.argument("key")
@click.argument("value")
def settings_set(key: str, value: str) -> None:
    """Set one setting (run `asterisk render` afterwards). A secret is not echoed."""
    stored = with_repo(lambda repo: settings.set_value(repo, key, value))
    click.echo(f"{key} = {settings.shown(key, stored)}")


# -- Asterisk -----------------------------------------------------------------------------------

INSTANCE_DIR_OPTION = click.option(
    "--dir",
    "instance_dir",
    envvar="SMARTNUMBER_ASTERISK_DIR",
    default="asterisk-instance",
    show_default=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Directory of the private Asterisk instance (env SMARTNUMBER_ASTERISK_DIR).",
)
TEMPLATES_OPTION = click.option(
    "--templates",
    type=click.Path(file_okay=False, path_type=Path),
    help="Directory of admin templates that override the shipped ones.",
)


@cli.group()
def asterisk() -> None:
    """Install Asterisk, render its configuration, run a private instance."""


@asterisk.command("install")
def asterisk_install() -> None:
    """Install Asterisk, sipp, espeak-ng and sox from the distribution; idempotent."""
    script = resources.files("smartnumber.asterisk").joinpath("install-asterisk.sh")
    with resources.as_file(script) as path:
        done = subprocess.run(["bash", str(path)], check=False)
    if done.returncode != 0:
        raise UserError("installing Asterisk failed (see the messages above)")


@asterisk.command("render")
@click.option(
    "--out",
    "out_dir",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Directory to write extensions.conf, pjsip.conf and manager.conf into.",
)
@TEMPLATES_OPTION
@click.option(
    "--owner",
    metavar="USER:GROUP",
    help="Give the files to Asterisk's user and group, e.g. root:asterisk (default: the"
    " asterisk.owner setting, else the current user).",
)
def asterisk_render(out_dir: Path, templates: Path | None, owner: str | None) -> None:
    """Render the dialplan, pjsip.conf and manager.conf from the database (mode 0640:
    they hold the AMI secrets and the SIP passwords)."""
    env = dialplan_render.environment(templates)
    data = with_repo(lambda repo: dialplan_context.build(repo, _db()))
    chosen = Owner.parse(owner if owner is not None else data["settings"]["asterisk.owner"])
    media.create_dirs(Path(data["media"]["dir"]), chosen)
    for path in dialplan_render.write_files(env, out_dir, data, owner=chosen):
        click.echo(f"wrote {path}")


def _render_instance(instance: PrivateAsterisk, templates: Path | None) -> None:
    """The private instance runs as the current user: its files stay ours, 0640/0700."""
    env = dialplan_render.environment(templates)
    data = with_repo(lambda repo: dialplan_context.build(repo, _db()))
    instance.dirs.create()
    media.create_dirs(Path(data["media"]["dir"]))
    data.update(instance.dirs.template_context())
    dialplan_render.write_files(env, instance.dirs.etc, data, instance=True)


@asterisk.command("start")
@INSTANCE_DIR_OPTION
@TEMPLATES_OPTION
def asterisk_start(instance_dir: Path, templates: Path | None) -> None:
    """Render the configuration and start a private Asterisk on loopback ports."""
    instance = PrivateAsterisk(instance_dir)
    _render_instance(instance, templates)
    pid = instance.start()
    # The routing service reconciles calls from this instance's CDR file.
    cdr_file = str(instance.dirs.cdr_file)
    values = with_repo(lambda repo: _point_cdr_at(repo, cdr_file))
    click.echo(
        f"asterisk running (pid {pid}) from {instance.dirs.root}: SIP"
        f" {values['sip.bind']}:{values['sip.port']}, AMI {values['ami.bind']}:{values['ami.port']}"
    )


async def _point_cdr_at(repo: Repository, cdr_file: str) -> dict[str, str]:
    await settings.set_value(repo, "asterisk.cdr_file", cdr_file)
    return await settings.load(repo)


@asterisk.command("reload")
@INSTANCE_DIR_OPTION
@TEMPLATES_OPTION
def asterisk_reload(instance_dir: Path, templates: Path | None) -> None:
    """Re-render the configuration and reload the running private Asterisk."""
    instance = PrivateAsterisk(instance_dir)
    if instance.pid() is None:
        raise UserError(f"no Asterisk is running from {instance.dirs.root}")
    _render_instance(instance, templates)
    instance.reload()
    click.echo("asterisk configuration reloaded")


@asterisk.command("stop")
@INSTANCE_DIR_OPTION
def asterisk_stop(instance_dir: Path) -> None:
    """Stop the private Asterisk."""
    stopped = PrivateAsterisk(instance_dir).stop()
    click.echo("asterisk stopped" if stopped else "asterisk was not running")


@asterisk.command("status")
@INSTANCE_DIR_OPTION
@JSON_OPTION
def asterisk_status(instance_dir: Path, as_json: bool) -> None:
    """Is the private Asterisk running? (exit 3 when it is not)"""
    instance = PrivateAsterisk(instance_dir)
    pid = instance.pid()
    uptime = instance.rx("core show uptime").strip() if pid else None
    data = {
        "running": pid is not None,
        "pid": pid,
        "dir": str(instance.dirs.root),
        "uptime": uptime,
    }
    if as_json:
        output.emit_json(data)
    else:
        click.echo(f"asterisk running (pid {pid})\n{uptime}" if pid else "asterisk is not running")
    if pid is None:
        sys.exit(3)


@asterisk.command("check")
@INSTANCE_DIR_OPTION
@click.option(
    "--conf",
    "conf_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Files rendered for an Asterisk of your own (its `asterisk -rx` is asked too),"
    " instead of the private instance.",
)
@JSON_OPTION
def asterisk_check(instance_dir: Path, conf_dir: Path | None, as_json: bool) -> None:
    """Report anything strangers could reach: endpoints that take a request by the name
    it claims without a password, an anonymous endpoint, AMI users that may run commands,
    ChanSpy/System/SHELL loaded. Exit 1 when something is open now."""
    if conf_dir is not None:
        files, rx = conf_dir, system_rx
    else:
        instance = PrivateAsterisk(instance_dir)
        files, rx = instance.dirs.etc, instance.rx
    findings = asterisk_check_rules.check_files(files)
    try:
        findings += asterisk_check_rules.check_live(rx)
        live = True
    except UserError:
        live = False
    if as_json:
        output.emit_json({"live": live, "findings": [f.as_dict() for f in findings]})
    else:
        checked = f"{files}" + (" and the running Asterisk" if live else "")
        rows = [f.as_dict() for f in findings]
        output.table(rows, ["severity", "subject", "problem", "source"], "")
        if not findings:
            click.echo(f"nothing reachable by strangers in {checked}")
        elif not live:
            click.echo("(no running Asterisk answered: only the files were checked)")
    if any(f.severity == asterisk_check_rules.DANGER for f in findings):
        sys.exit(1)


# -- calls ------------------------------------------------------------------------------------


def _ami(values: dict[str, str], events: str) -> AmiConfig:
    """The CLI's own AMI login (ami.cli_username): it may originate, not read system events."""
    return AmiConfig(
        values["ami.bind"],
        int(values["ami.port"]),
        values["ami.cli_username"],
        values["ami.cli_secret"],
        events=events,
    )


@cli.command("call")
@click.argument("agent_name", metavar="AGENT")
@click.argument("number", metavar="CONTACT-NUMBER")
@click.option(
    "--via",
    type=click.Choice(["endpoint", "cell"]),
    help="Ring the agent's SIP phone or their cell (default: the phone if they have one).",
)
@click.option(
    "--ring",
    default=clicktocall.AGENT_RING_SECONDS,
    show_default=True,
    type=click.IntRange(5, 120),
    help="Seconds the agent's phone rings.",
)
@click.option("--wait", is_flag=True, help="Stay until the call ends; exit 0 only if connected.")
def call_contact(agent_name: str, number: str, via: str | None, ring: int, wait: bool) -> None:
    """Click-to-call: ring the agent first; when they answer, dial the contact from the
    agent's outbound number (`outbound-number`) and bridge them. A new number becomes a
    lead owned by the agent. A cell must press 1 to take the call."""
    planned = with_repo(lambda repo: clicktocall.plan(repo, agent_name, number, via, clock.now()))
    _click_to_call(planned, ring, wait)


def _click_to_call(
    planned: clicktocall.Plan,
    ring: int,
    wait: bool,
    around: Callable[[], AbstractAsyncContextManager[None]] | None = None,
) -> None:
    """Place a planned click-to-call and report it stage by stage (`around`: what must be
    up meanwhile, e.g. the demo's sipp phones). The call is written down only once
    Asterisk has taken it."""
    click.echo(
        f"calling {planned.agent} ({planned.agent_leg}), then {planned.contact_name}"
        f" ({planned.contact}) showing {planned.caller_id} ({planned.caller_id_level})"
    )

    def stage(reached: clicktocall.Stage, detail: str) -> None:
        output.line(f"  {reached.value}" + (f": {detail}" if detail else ""))

    def note(text: str) -> None:
        output.line(f"  note: {text}")

    async def run(store: Store) -> clicktocall.Follow:
        async with store.transaction() as repo:
            ami = _ami(await settings.load(repo), "call")

        async def taken() -> int:
            async with store.transaction() as repo:
                return await clicktocall.accepted(repo, planned, clock.now())

        async with around() if around else contextlib.nullcontext():
            follow = await clicktocall.place(
                ami, planned, stage, note, taken=taken, wait=wait, ring_seconds=ring
            )
        if follow.failure and follow.call_id is not None:
            async with store.transaction() as repo:
                await clicktocall.agent_missed(repo, follow.call_id, follow.failure)
        return follow

    follow = with_store(run)
    if follow.failure:
        raise UserError(f"{follow.failure}; {planned.contact} was not called")
    if wait and clicktocall.Stage.CONNECTED not in follow.stages:
        raise UserError(
            f"{planned.contact} did not answer ({follow.contact_status or 'no answer'})"
        )


@cli.group()
def callerid() -> None:
    """An agent's own number (cell, desk line) as caller ID, once they prove it is theirs."""


@callerid.command("verify")
@click.argument("agent_name", metavar="AGENT")
@click.argument("number", metavar="NUMBER")
@click.option(
    "--timeout",
    "limit",
    default=60,
    show_default=True,
    type=click.IntRange(10, 300),
    help="Seconds to answer and key in the code.",
)
def callerid_verify(agent_name: str, number: str, limit: int) -> None:
    """Call NUMBER (United States or Canada) and ask whoever answers for the code shown
    here; the right code within the time limit verifies it."""
    values = with_repo(settings.load)
    verified = with_store(
        lambda store: callerid_service.verify(
            store,
            _ami(values, "call,user"),
            media.directory(values, _db()),
            agent_name,
            number,
            clock.now,
            limit=limit,
            show=click.echo,
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
    agent, number = with_repo(lambda repo: callerid_service.use(repo, agent_name, choice))
    click.echo(f"{agent.name}'s calls show {number or 'their Smart Number'}")


@callerid.command("list")
@click.argument("agent_name", metavar="AGENT")
@JSON_OPTION
def callerid_list(agent_name: str, as_json: bool) -> None:
    """The agent's own numbers: verified or not, and which one is in use."""

    async def work(repo: Repository) -> list[dict[str, Any]]:
        agent = await provision.agent_named(repo, agent_name)
        return [
            {
                "number": c.e164,
                "verified": c.verified_at.isoformat() if c.verified_at else None,
                "in_use": c.in_use,
                "attempts": c.attempts,
            }
            for c in await repo.caller_ids(agent.id)
        ]

    rows = with_repo(work)
    if as_json:
        output.emit_json(rows)
    else:
        output.table(rows, ["number", "verified", "in_use", "attempts"], "no caller IDs")


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
    decision = with_repo(lambda repo: calls.explain(repo, e164, caller, at))
    data = decision.as_dict()
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


@cli.command()
@click.option(
    "--config",
    "config_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="TOML file: [agi] [ami] [routing] [log] sections.",
)
@click.option("--agi-bind", help="Address the FastAGI server listens on (default: agi.host).")
@click.option("--agi-port", type=int, help="FastAGI port (default: agi.port).")
@click.option("--ami-host", help="Asterisk manager address (default: ami.bind).")
@click.option("--ami-port", type=int, help="Asterisk manager port (default: ami.port).")
@click.option("--ami-username", help="AMI user (default: ami.username).")
@click.option(
    "--ami-secret-file",
    type=click.Path(dir_okay=False),
    help="File holding the AMI password, mode 0600 (default: the ami.secret setting).",
)
@click.option(
    "--routing-budget-ms",
    type=int,
    help="Time a routing decision may take before the call falls back (300).",
)
@click.option("--log-level", type=click.Choice(["debug", "info", "warning", "error"]))
def serve(config_file: Path | None, **flags: Any) -> None:
    """Run the FastAGI routing service and the AMI connection (until SIGTERM/Ctrl-C)."""
    config = ServiceConfig.from_settings(with_repo(settings.load))
    if config_file is not None:
        config = config.with_file(config_file)
    config = config.with_values(flags)
    logs.setup(config.log_level)
    uvloop.run(service.run(config, _db()))


# -- demo -----------------------------------------------------------------------------------


@cli.group()
def demo() -> None:
    """Demo data and a test call, to try smartnumber without a phone."""


@demo.command("load")
def demo_load() -> None:
    """Provision a demo company: an office, teams, agents, numbers, contacts, history."""
    loaded = with_repo(lambda repo: demo_data.load(repo, clock.now()))
    click.echo("demo data loaded" if loaded else "demo data already loaded")


@demo.command("click-to-call")
@click.argument("agent_name", metavar="AGENT", default="Bob Baker")
@click.argument("number", metavar="CONTACT-NUMBER", default="+13105550188")
def demo_click_to_call(agent_name: str, number: str) -> None:
    """`smartnumber call AGENT NUMBER --wait` with sipp phones answering for the demo
    agents and a sipp contact on the trunk who answers and hangs up after 3 s.

    Needs the private Asterisk and the routing service running (`./scripts/demo`).
    """

    async def gather(repo: Repository) -> tuple[dict[str, str], list[tuple[str, str | None]]]:
        return await settings.load(repo), [
            (a.name, a.sip_contact) for a in await repo.list_agents()
        ]

    values, agents = with_repo(gather)
    phones = demo_data.loopback_phones(agents)
    planned = with_repo(
        lambda repo: clicktocall.plan(repo, agent_name, number, "endpoint", clock.now())
    )
    _click_to_call(planned, 15, True, lambda: demo_data.phones_up(values, phones))


@demo.command("texts")
@click.option("--from", "sender", default="+12125550150", show_default=True)
@click.option("--to", "number", default="+12125550100", show_default=True)
@click.argument("message", default="Is the 5th Ave apartment still available?")
def demo_texts(sender: str, number: str, message: str) -> None:
    """Texts both ways: a sipp phone on the trunk texts a Smart Number (forwarded to the
    owning agent's cell), then that agent answers with `text send`; shows what the
    carrier's side of the trunk received. Needs Asterisk and the service running."""
    values = with_repo(settings.load)
    contact = phone.to_e164(sender)

    async def gather(repo: Repository) -> str | None:
        found = await repo.contacts_by_phone(contact)
        owner = found[0].owner_agent_id if found else None
        agent = await repo.agent_by_id(owner) if owner else None
        return agent.name if agent else None

    agent_name = with_repo(gather)
    if agent_name is None:
        raise UserError(f"{contact} is not a demo contact with an owner")

    async def run(store: Store) -> list[tuple[str, str, str]]:
        async def reply() -> None:  # what `text send` does, inside this event loop
            async with store.transaction() as repo:
                sent = await texts.send(repo, agent_name, contact, "Yes! See it at 5?", clock.now())
            if sent.queued is None:
                raise UserError(sent.refused or "not sent")
            [state] = await outbox.outcome(store, [sent.queued], 15)
            if state.status is not TextStatus.SENT:
                raise UserError(
                    f"the reply was not sent ({state.status.value}): is `serve` running?"
                )

        return await demo_data.text_round_trip(store, values, number, contact, message, reply)

    received = with_store(run)
    output.line(f"{contact} texted {number}: {message}")
    for to, sender_number, body in received:
        output.line(f"carrier received: to {to} from {sender_number}: {body}")


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
    number = phone.to_e164(e164)
    caller_id = phone.to_e164(caller)

    async def gather(repo: Repository) -> tuple[dict[str, str], list[tuple[str, str | None]]]:
        await provision.number_called(repo, number)
        return await settings.load(repo), [
            (a.name, a.sip_contact) for a in await repo.list_agents()
        ]

    values, agents = with_repo(gather)
    phones = demo_data.loopback_phones(agents)
    click.echo(
        f"calling {number} from {caller_id} through {values['sip.bind']}:{values['sip.port']}"
        f" (phones up for {', '.join(phones)})"
    )
    outcome = asyncio.run(demo_data.call(values, phones, number, caller_id))
    if outcome.answered_by:
        click.echo(f"answered by {outcome.answered_by}")
    elif outcome.caller_ok:  # answered by Asterisk itself
        rung = ", ".join(outcome.rung) or "nobody"
        click.echo(f"no demo phone answered (rang: {rung}); Asterisk did: voicemail or a forward")
    else:
        rung = ", ".join(outcome.rung) or "nobody"
        raise UserError(f"not answered (rang: {rung}) {outcome.detail}".strip())


def main() -> None:
    cli(prog_name="smartnumber")


if __name__ == "__main__":
    main()
