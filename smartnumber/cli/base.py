"""The root `smartnumber` group and what every command shares: one store and one event
loop per command (run()), user errors as one line and exit 1, common options."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import click

from ..errors import StorageError, UserError
from ..storage import Store, open_store, shown
from . import output

T = TypeVar("T")

JSON_OPTION = click.option("--json", "as_json", is_flag=True, help="Print JSON for machines.")
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


@dataclass
class Settings:
    db: str


class SmartGroup(click.Group):
    """Turns errors a user can cause into one clear line and exit status 1."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except UserError as exc:
            raise click.ClickException(output.printable(str(exc))) from None
        except StorageError as exc:
            where = shown(ctx.obj.db)
            raise click.ClickException(output.printable(f"database {where}: {exc}")) from None
        except KeyboardInterrupt:
            click.echo("interrupted", err=True)
            sys.exit(130)


def db() -> str:
    """The database the command works on (--db, env SMARTNUMBER_DB): a SQLite file's
    path or a postgresql:// URL."""
    return str(click.get_current_context().find_root().obj.db)


def run(work: Callable[[Store], Awaitable[T]], *, create: bool = False) -> T:
    """Run one use case on the configured store, in one event loop (migrated on open)."""
    path = db()

    async def go() -> T:
        store = await open_store(path, create=create)
        try:
            return await work(store)
        finally:
            await store.close()

    return asyncio.run(go())


@click.group(cls=SmartGroup)
@click.option(
    "--db",
    envvar="SMARTNUMBER_DB",
    default="smartnumber.db",
    show_default=True,
    help="SQLite database file, or postgresql://user@host/db (env SMARTNUMBER_DB;"
    " a password goes in ~/.pgpass, never here).",
)
@click.version_option(package_name="smartnumber")
@click.pass_context
def cli(ctx: click.Context, db: str) -> None:
    """smartnumber: a Smart Number for Asterisk that knows the CRM.

    Provision offices, teams, agents, Smart Numbers and contacts; render and run the
    Asterisk configuration; read every contact's timeline.
    """
    ctx.obj = Settings(db)
