"""Output for people (aligned tables) and machines (--json).

Whatever a caller or a texter wrote is stored verbatim but never reaches a terminal as
is: control characters (C0, DEL, C1 -- escape sequences that could move the cursor,
rewrite earlier lines or set the window title) are shown escaped, as \x1b. JSON escapes
them by itself.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import click

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def printable(text: str) -> str:
    """text with every control character shown escaped (\x1b, \x9b...)."""
    return _CONTROL.sub(lambda m: f"\\x{ord(m[0]):02x}", text)


def line(text: str, *, err: bool = False) -> None:
    """One line of free text for a person: control characters escaped."""
    click.echo(printable(text), err=err)


def emit_json(data: Any) -> None:
    click.echo(json.dumps(data, indent=2, sort_keys=False, default=str))


def when(iso: str) -> str:
    """An ISO time as people read it in a table: to the second, in UTC."""
    moment = datetime.fromisoformat(iso).astimezone(UTC)
    return moment.strftime("%Y-%m-%d %H:%M:%S UTC")


def _cell(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list | tuple):
        return ", ".join(_cell(v) for v in value)
    if isinstance(value, dict):
        return "; ".join(f"{k}={_cell(v)}" for k, v in value.items())
    return printable(" ".join(str(value).split()))  # one line per row, whatever it holds


def table(rows: Sequence[Mapping[str, Any]], columns: Sequence[str], empty: str) -> None:
    """An aligned table of the given columns, or a one-line note when there are no rows."""
    if not rows:
        click.echo(empty)
        return
    cells = [[_cell(row.get(c)) for c in columns] for row in rows]
    widths = [max(len(c), *(len(r[i]) for r in cells)) for i, c in enumerate(columns)]
    click.echo("  ".join(c.upper().ljust(w) for c, w in zip(columns, widths, strict=True)).rstrip())
    for r in cells:
        click.echo("  ".join(v.ljust(w) for v, w in zip(r, widths, strict=True)).rstrip())


def record(data: Mapping[str, Any]) -> None:
    """One record as 'key: value' lines."""
    width = max(len(k) for k in data)
    for key, value in data.items():
        click.echo(f"{key.replace('_', ' ').ljust(width)}  {_cell(value)}")
