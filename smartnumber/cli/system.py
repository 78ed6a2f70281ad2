"""Commands for the installation: init, settings, Asterisk (install, render, the private
instance, check) and the routing service. Each parses, calls one use case
(app/system.py, service/run.py), presents."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from importlib import resources
from pathlib import Path
from typing import Any

import click
import uvloop

from ..app import database
from ..app import system as cases
from ..errors import StorageError, UserError
from ..service import run as service
from ..storage import shown, sqlite_path
from . import output
from .base import INSTANCE_DIR_OPTION, JSON_OPTION, TEMPLATES_OPTION, cli, db, run


@cli.command()
def init() -> None:
    """Create the database (or bring its schema up to date), and make it and the media
    directory private (files an earlier version left readable by others are tightened)."""
    done = run(lambda store: cases.init(store, db()), create=True)
    if sqlite_path(db()) is None:
        click.echo(f"database ready: {shown(db())}")
    else:
        click.echo(f"database ready: {db()} (readable by its owner only)")
    if done.tightened:
        click.echo(f"made {done.tightened} audio file(s) in {done.media_dir} private")


@cli.command()
@click.argument("source")
@click.argument("target")
@click.option("--replace", is_flag=True, help="Empty a target that holds data first.")
def migrate(source: str, target: str, replace: bool) -> None:
    """Copy an installation's whole database from SOURCE to TARGET, e.g. from SQLite to
    PostgreSQL when a second node comes:

        smartnumber migrate sqlite:///var/lib/smartnumber/sn.db postgresql://sn@db/sn

    TARGET's schema is created or brought up to date; a TARGET that holds data is
    refused unless --replace. Everything is copied in one transaction: on any failure
    TARGET is left as it was, and SOURCE is only ever read. Stop the services first.
    Ends with each table's rows counted on both sides."""
    bar: list[Any] = []

    def started(total: int) -> None:
        bar.append(click.progressbar(length=total, label="copying rows", file=sys.stderr))
        bar[0].__enter__()

    def copied(rows: int) -> None:
        bar[0].update(rows)

    async def go() -> list[Any]:
        return await database.move(source, target, replace=replace, started=started, copied=copied)

    try:
        counted = asyncio.run(go())
    except StorageError as exc:
        raise click.ClickException(output.printable(str(exc))) from None
    finally:
        if bar:
            bar[0].__exit__(None, None, None)
    wrong = [c for c in counted if not c.ok]
    for c in counted:
        mark = "ok" if c.ok else "MISMATCH"
        click.echo(f"{c.table:<24} {c.source:>10} {c.target:>10}  {mark}")
    total = sum(c.target for c in counted)
    if wrong:
        raise click.ClickException(f"{len(wrong)} table(s) differ after the copy: {wrong[0].table}")
    click.echo(f"copied {total} rows in {len(counted)} tables into {shown(target)}")


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
        click.echo(run(lambda store: cases.reveal_setting(store, reveal)))
    elif as_json:
        output.emit_json(run(cases.settings_values))
    else:
        output.table(run(cases.settings_table), ["key", "value", "help"], "")


@settings_group.command("set")
@click.argument("key")
@click.argument("value", required=False)
@click.option(
    "--from-file",
    "from_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="A secret's value: the one line of a file only you can read (mode 0600).",
)
def settings_set(key: str, value: str | None, from_file: Path | None) -> None:
    """Set one setting (run `asterisk render` afterwards). A secret (a password, the AGI
    token) never comes on the command line, where any local user can read it: give it
    with --from-file, or type it at the prompt (not echoed)."""
    if cases.is_secret(key):
        if value is not None:
            raise UserError(
                f"{key} is a secret: not on the command line; use --from-file FILE (mode"
                " 0600) or leave the value out and type it at the prompt"
            )
        if from_file is not None:
            value = cases.secret_from_file(from_file)
        else:
            value = click.prompt(key, hide_input=True, confirmation_prompt=True)
    elif from_file is not None:
        raise UserError(f"{key} is not a secret: give its value on the command line")
    elif value is None:
        raise UserError(f"give {key} a value: smartnumber settings set {key} VALUE")
    chosen = value
    shown = run(lambda store: cases.set_setting(store, key, chosen))
    click.echo(f"{key} = {shown}")
    warning = cases.exposure_warning(key, shown)
    if warning:
        click.echo(warning, err=True)


# -- Asterisk -----------------------------------------------------------------------------------


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
    help="Directory to write extensions.conf, pjsip.conf, manager.conf, cdr_custom.conf.",
)
@TEMPLATES_OPTION
@click.option(
    "--owner",
    metavar="USER:GROUP",
    help="Give the files to Asterisk's user and group, e.g. root:asterisk (default: the"
    " asterisk.owner setting, else the current user).",
)
def asterisk_render(out_dir: Path, templates: Path | None, owner: str | None) -> None:
    """Render the dialplan, pjsip.conf, manager.conf and cdr_custom.conf from the
    database (mode 0640: they hold the AMI secrets and the SIP passwords)."""
    written = run(lambda store: cases.render_asterisk(store, db(), out_dir, templates, owner))
    for path in written:
        click.echo(f"wrote {path}")


@asterisk.command("start")
@INSTANCE_DIR_OPTION
@TEMPLATES_OPTION
def asterisk_start(instance_dir: Path, templates: Path | None) -> None:
    """Render the configuration and start a private Asterisk on loopback ports (and point
    the asterisk.cdr_file setting at its CDR file)."""
    pid, values = run(lambda store: cases.start_instance(store, db(), instance_dir, templates))
    click.echo(
        f"asterisk running (pid {pid}) from {instance_dir.resolve()}: SIP"
        f" {values['sip.bind']}:{values['sip.port']}, AMI {values['ami.bind']}:{values['ami.port']}"
    )


@asterisk.command("reload")
@INSTANCE_DIR_OPTION
@TEMPLATES_OPTION
def asterisk_reload(instance_dir: Path, templates: Path | None) -> None:
    """Re-render the configuration and reload the running private Asterisk."""
    run(lambda store: cases.reload_instance(store, db(), instance_dir, templates))
    click.echo("asterisk configuration reloaded")


@asterisk.command("stop")
@INSTANCE_DIR_OPTION
def asterisk_stop(instance_dir: Path) -> None:
    """Stop the private Asterisk."""
    click.echo(
        "asterisk stopped" if cases.stop_instance(instance_dir) else "asterisk was not running"
    )


@asterisk.command("status")
@INSTANCE_DIR_OPTION
@JSON_OPTION
def asterisk_status(instance_dir: Path, as_json: bool) -> None:
    """Is the private Asterisk running? (exit 3 when it is not)"""
    data = cases.instance_status(instance_dir)
    if as_json:
        output.emit_json(data)
    elif data["running"]:
        click.echo(f"asterisk running (pid {data['pid']})\n{data['uptime']}")
    else:
        click.echo("asterisk is not running")
    if not data["running"]:
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
    checked = cases.check_asterisk(instance_dir, conf_dir)
    rows = [f.as_dict() for f in checked.findings]
    if as_json:
        output.emit_json({"live": checked.live, "findings": rows})
    else:
        output.table(rows, ["severity", "subject", "problem", "source"], "")
        if not rows:
            also = " and the running Asterisk" if checked.live else ""
            click.echo(f"nothing reachable by strangers in {checked.files}{also}")
        elif not checked.live:
            click.echo("(no running Asterisk answered: only the files were checked)")
    if checked.open_now:
        sys.exit(1)


# -- the routing service ------------------------------------------------------------------------


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
    help="Milliseconds from when Asterisk asks until the call falls back (800).",
)
@click.option("--log-level", type=click.Choice(["debug", "info", "warning", "error"]))
def serve(config_file: Path | None, **flags: Any) -> None:
    """Run the FastAGI routing service and the AMI connection (until SIGTERM/Ctrl-C):
    it also handles the text inbox, delivers the outbox, retries email and reconciles
    calls from Asterisk's records."""
    uvloop.run(service.serve(db(), config_file, flags))
