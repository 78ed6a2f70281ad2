"""The `smartnumber` command: provisioning and operating a Smart Number beside Asterisk.

One module per group of commands. A command parses its arguments, calls one use case of
the application layer (smartnumber/app/, the same functions the HTTP API will call) on
one store in one event loop, and presents what comes back: tables for people, --json for
machines; user errors end in one line, exit 1. No command holds a query or a
transaction of its own.
"""

from __future__ import annotations

from . import api, calls, demo, directory, system, texting
from .base import cli

__all__ = ["cli", "main"]
_COMMANDS = (api, calls, demo, directory, system, texting)  # importing them registers the commands


def main() -> None:
    cli(prog_name="smartnumber")
