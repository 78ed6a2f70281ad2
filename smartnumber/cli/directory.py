"""Commands for the directory: offices, teams, agents, Smart Numbers, contacts, their
timelines and imports. Each parses, calls one use case (app/directory.py), presents."""

from __future__ import annotations

import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import click

from .. import clock
from ..app import directory as cases
from ..app import views
from ..errors import UserError
from ..model import ActivityKind, Direction, LineType
from ..storage import Store
from . import output
from .base import JSON_OPTION, cli, run

# -- offices and teams ------------------------------------------------------------------------


@cli.group()
def office() -> None:
    """Offices: the top of Office > Team > Agent."""


@office.command("add")
@click.argument("name")
def office_add(name: str) -> None:
    """Add an office."""
    added = run(lambda store: cases.add_office(store, name))
    click.echo(f"office added: {added.name}")


@office.command("list")
@JSON_OPTION
def office_list(as_json: bool) -> None:
    """List offices."""
    rows = run(cases.list_offices)
    output.emit_json(rows) if as_json else output.table(rows, ["name"], "no offices")


@cli.group()
def team() -> None:
    """Teams within offices."""


@team.command("add")
@click.argument("name")
@click.option("--office", "office_name", required=True, help="The office the team belongs to.")
def team_add(name: str, office_name: str) -> None:
    """Add a team to an office."""
    added = run(lambda store: cases.add_team(store, name, office_name))
    click.echo(f"team added: {added.name} (office {office_name})")


@team.command("list")
@JSON_OPTION
def team_list(as_json: bool) -> None:
    """List teams."""
    rows = run(cases.list_teams)
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
def agent_add(name: str, cell: str, **options: Any) -> None:
    """Add an agent (an endpoint gets a generated SIP password)."""
    added = run(lambda store: cases.add_agent(store, name, cell, **options))
    click.echo(f"agent added: {added.name} ({added.cell})")
    if added.endpoint:
        click.echo(
            f"SIP login for {added.endpoint}: user {added.endpoint_name}; the password is"
            f" shown by `smartnumber agent show {added.name!r} --reveal`"
        )


def _set_active(name: str, active: bool) -> None:
    changed = run(lambda store: cases.set_agent_active(store, name, active))
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
    rows = run(cases.list_agents)
    columns = ["name", "cell", "endpoint", "office", "team", "active", "admin"]
    output.emit_json(rows) if as_json else output.table(rows, columns, "no agents")


@agent.command("show")
@click.argument("name")
@click.option("--reveal", is_flag=True, help="Also show the SIP password (masked otherwise).")
@JSON_OPTION
def agent_show(name: str, reveal: bool, as_json: bool) -> None:
    """Show one agent, their outbound Smart Number, and where their phone is registered
    now (asked of Asterisk) (--reveal: their SIP password)."""
    data = run(lambda store: cases.show_agent(store, name, clock.now(), reveal=reveal))
    if as_json:
        output.emit_json(data)
        return
    if "registrations" in data:
        data["registered"] = _registered(data.pop("registrations"), data)
        data.pop("registrations_unknown", None)
    output.record(data)


def _registered(found: list[dict[str, str]] | None, data: dict[str, Any]) -> str:
    """'sip:dana@192.0.2.7:5060 (baresip), until 03:14 UTC', 'no', or why nobody knows."""
    if found is None:
        return f"unknown: {data.get('registrations_unknown', '')}"
    if not found:
        return "no (no phone has registered as this agent)"
    said = []
    for r in found:
        phone = f"{r['uri']} ({r['user_agent']})" if r["user_agent"] else r["uri"]
        said.append(f"{phone}, until {r['expires_at'][11:16]} UTC")
    return ", ".join(said)


@cli.command("outbound-number")
@click.argument("agent_name", metavar="AGENT")
@click.option("--to", "contact", metavar="NUMBER", help="For a call or text to this number.")
@JSON_OPTION
def outbound_number(agent_name: str, contact: str | None, as_json: bool) -> None:
    """Which number the agent's calls and texts show: their verified caller ID if they
    chose one, else personal (in the contact's area code when they have several) >
    team > office Smart Number."""
    data = run(lambda store: cases.outbound_number(store, agent_name, contact))
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
    added = run(
        lambda store: cases.add_number(
            store, e164, scope, owner, primary=primary, fallback=fallback
        )
    )
    click.echo(f"Smart Number added: {added.e164} ({scope}: {owner})")


@number.command("list")
@JSON_OPTION
def number_list(as_json: bool) -> None:
    """List Smart Numbers."""
    rows = run(cases.list_numbers)
    columns = ["number", "scope", "owner", "primary", "fallback_agent"]
    output.emit_json(rows) if as_json else output.table(rows, columns, "no Smart Numbers")


@number.command("show")
@click.argument("e164", metavar="NUMBER")
@JSON_OPTION
def number_show(e164: str, as_json: bool) -> None:
    """Show one Smart Number and where its calls fall back to."""
    data = run(lambda store: cases.show_number(store, e164))
    output.emit_json(data) if as_json else output.record(data)


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
    added, sharing = run(
        lambda store: cases.add_contact(
            store, name, phones, clock.now(), owner=owner, line_type=line_type
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
    rows = run(lambda store: cases.list_contacts(store, limit, offset))
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
    rows = run(lambda store: cases.show_contacts(store, phone_number))
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
    work: Callable[[Store, cases.Progress], Awaitable[cases.ImportReport]],
    as_json: bool,
) -> None:
    """Run an import with a progress bar on stderr; report bad rows by line (exit 1)."""
    total = cases.count_rows(path)
    # The bar starts with the first batch, so a file refused outright shows only the error.
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
        report = run(lambda store: work(store, progress))
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
    """Import contacts from CSV: name, phone (several separated by ';'), owner, line_type,
    consent (web-form, text-code, verbal or import) and consent_evidence, into the
    consent ledger (`consent show NUMBER`).

    Bad rows are reported with their line numbers (exit 1); good rows are kept. Rows are
    committed in batches, so calls keep routing while a large file is imported.
    """
    _import(
        "contacts",
        path,
        lambda store, progress: cases.import_contacts(store, path, clock.now(), progress),
        as_json,
    )


@contact.command("set-linetype")
@click.argument("number", metavar="NUMBER")
@click.argument("line_type", metavar="TYPE", type=click.Choice([t.value for t in LineType]))
def contact_set_linetype(number: str, line_type: str) -> None:
    """Record what kind of line a number is (a landline cannot receive texts)."""
    e164 = run(lambda store: cases.set_line_type(store, number, line_type))
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
    rows, errors = cases.read_line_types(path)
    if errors:
        for error in errors:
            output.line(error, err=True)
        raise UserError(f"{len(errors)} bad row(s) in {path}; nothing imported")
    count = run(lambda store: cases.import_line_types(store, rows))
    click.echo(f"{count} line types imported")


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
    added = run(
        lambda store: cases.add_activity(
            store,
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
        lambda store, progress: cases.import_activities(store, path, progress),
        as_json,
    )


@cli.command()
@click.argument("phone_number", metavar="NUMBER")
@click.option("--limit", default=50, show_default=True, type=click.IntRange(1, 10000))
@JSON_OPTION
def timeline(phone_number: str, limit: int, as_json: bool) -> None:
    """A contact's timeline, newest first (all contacts sharing the number)."""
    rows = run(lambda store: cases.timeline(store, phone_number, limit))
    if as_json:
        output.emit_json(rows)
        return
    for row in rows:
        row["at"] = output.when(row["at"])
        row["agent"] = row["agent"] or views.who_rang(row["kind"], row["detail"])
        row["detail"] = views.summary(row["kind"], row["detail"])
    columns = ["at", "kind", "direction", "contact", "agent", "smart_number", "detail"]
    output.table(rows, columns, "no activity yet")
