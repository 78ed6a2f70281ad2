"""The README's "Using it" list, line by line, against the real CLI.

It is a reference, in the usual notation: `[...]` is optional, `a|b` is one of, ISO, KEY,
DIR and AGENT stand for a value, `...` for more options. So each line is checked twice:
written out in full (every optional part, each alternative, the placeholders filled in),
the CLI's own parser must take it -- the command, every option and every value; and as
printed without its optional parts, it is run, in the README's order, on a fresh
database in a directory holding the files the lines name. Run, a line must succeed, or
(on a fresh system) be refused in one line saying why, as listed in REFUSED. The lines
that need Asterisk, a call or a long-running process are parsed only (PARSED_ONLY says
where they are run for real)."""

from __future__ import annotations

import itertools
import re
import shlex
from collections.abc import Iterator
from pathlib import Path

import click
import pytest

from lab.cli import invoke
from smartnumber.cli import cli

ROOT = Path(__file__).resolve().parents[2]

PLACEHOLDERS = {"AGENT": "Carol Chen", "ISO": "2026-12-07T10:00:00-05:00", "KEY": "trunk.host"}

# Parsed, not run here: each needs what a unit test has not (and is run where it has).
PARSED_ONLY = {
    "call": "a click-to-call: Asterisk and sipp (tests/e2e/click_to_call)",
    "callerid verify": "places a call (tests/e2e/click_to_call/caller_id_verified)",
    "serve": "runs until stopped (tests/unit/test_cli_serve.py, every e2e test)",
    "asterisk render": "writes into /etc (tests/unit/test_render.py)",
    "asterisk start": "starts Asterisk (every e2e test)",
    "asterisk reload": "needs a running Asterisk (tests/e2e)",
    "asterisk stop": "needs a running Asterisk (tests/e2e)",
    "asterisk status": "asks a running Asterisk (tests/e2e)",
    "migrate": "needs a PostgreSQL server (tests/contract/test_migrate.py)",
}

# On a fresh system these are refused, in one line that says why.
REFUSED = {
    "text send": "is not linked to an A2P 10DLC campaign",  # README: Texting compliance
    "suspension lift": "Bob Baker is not suspended",
    "recording export": "no recording 'vm-5f0c2d9a1b3e4f60'",
}

FILES = {
    "contacts.csv": "name,phone,owner,line_type\nAda Lovelace,212-555-0160,Bob Baker,mobile\n",
    "crm-feed.jsonl": (
        '{"contact": "212-555-0150", "kind": "email", "direction": "outbound",'
        ' "at": "2026-12-01T10:00:00Z", "agent": "Bob Baker"}\n'
    ),
    "lines.csv": "212555,mobile\n",
    "serve.toml": "",
}


def using_it() -> list[str]:
    text = (ROOT / "README.md").read_text()
    section = text.split("\n## Using it\n", 1)[1].strip("\n").split("\n\n", 1)[0]
    lines = [line.strip() for line in section.splitlines()]
    assert all(line.startswith("smartnumber ") for line in lines), section
    return lines


def written_out(line: str) -> list[str]:
    """The line with every optional part, placeholders filled in."""
    words = shlex.split(line.replace("[", " ").replace("]", " "), comments=True)[1:]
    return [PLACEHOLDERS.get(w, w) for w in words if w != "..."]


def as_printed(line: str) -> list[str]:
    """The line without its optional parts."""
    words = shlex.split(re.sub(r"\[[^\]]*\]", " ", line), comments=True)[1:]
    return [w for w in words if w != "..."]


def each_alternative(words: list[str]) -> Iterator[list[str]]:
    """`start|reload` is two commands (a value with '|' in quotes is not: none here)."""
    choices = [w.split("|") if "|" in w and " " not in w else [w] for w in words]
    for picked in itertools.product(*choices):
        yield list(picked)


def parse(args: list[str]) -> None:
    """What the CLI makes of these arguments, without running anything: UsageError if
    it would refuse them (no such command or option, a value of the wrong kind)."""
    command: click.Command = cli
    context = command.make_context("smartnumber", list(args))
    while isinstance(command, click.Group):
        rest = [*getattr(context, "_protected_args", []), *context.args]
        name, sub, rest = command.resolve_command(context, rest)
        assert name is not None and sub is not None
        context = sub.make_context(name, rest, parent=context)
        command = sub


def named(words: list[str], table: dict[str, str]) -> str | None:
    said = " ".join(words)
    return next((key for key in table if said.startswith(key)), None)


@pytest.mark.parametrize("line", using_it())
def test_each_line_written_out_is_taken_by_the_cli(
    line: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # the files a line names
    for name, content in FILES.items():
        (tmp_path / name).write_text(content)
    (tmp_path / "my-templates").mkdir()
    for args in each_alternative(written_out(line)):
        if args == ["--help"]:
            continue  # run below
        try:
            parse([PLACEHOLDERS.get(a, str(tmp_path) if a == "DIR" else a) for a in args])
        except click.UsageError as exc:
            pytest.fail(f"README: {line}\nthe CLI refuses {args}: {exc.format_message()}")


def test_the_lines_as_printed_run_in_order_on_a_fresh_system(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    for name, content in FILES.items():
        (tmp_path / name).write_text(content)
    db = tmp_path / "smartnumber.db"
    ran = []
    for line in using_it():
        for args in each_alternative(as_printed(line)):
            if named(args, PARSED_ONLY):
                continue
            result = invoke(db, *args, ok=False)
            refusal = named(args, REFUSED)
            if refusal is None:
                assert result.exit_code == 0, f"README: {line}\n{result.output}"
            else:
                [said] = result.output.strip().splitlines()[-1:]
                assert result.exit_code == 1 and REFUSED[refusal] in said, result.output
            ran.append(" ".join(args))
    assert len(ran) >= 25, ran  # most of the list runs here
