from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result

from lab.cli import invoke
from smartnumber.storage.sqlite import SqliteStore

Run = Callable[..., Result]
GRACE = "+13105550150"  # Bob's contact in texting_store


@pytest.fixture
def run(tmp_path: Path) -> Run:
    """`smartnumber --db <tmp db> ARGS`; asserts exit 0 unless ok=False."""
    db = tmp_path / "sn.db"

    def run_cli(*args: str, ok: bool = True) -> Result:
        return invoke(db, *args, ok=ok)

    run_cli("init")
    # Tests text at whatever hour they run (and at fixed NOWs): around the clock unless a
    # test of quiet hours sets its own window.
    run_cli("settings", "set", "texting.window", "00:00-24:00")
    run_cli("settings", "set", "texting.state_windows", "")
    return run_cli


def as_json(result: Result) -> Any:
    return json.loads(result.output)


def assert_user_error(result: Result, *fragments: str) -> None:
    """Exit 1 with one line naming the problem, and no traceback."""
    assert result.exit_code == 1, result.output
    lines = [ln for ln in result.output.splitlines() if ln.strip()]
    assert len(lines) == 1, result.output
    assert "Traceback" not in result.output
    for fragment in fragments:
        assert fragment in lines[0], lines[0]


@pytest.fixture
def provisioned(run: Run) -> Run:
    run("office", "add", "Main")
    run("office", "add", "Uptown")
    run("team", "add", "Sales", "--office", "Main")
    run(
        "agent",
        "add",
        "Alice",
        "--cell",
        "+12125550101",
        "--team",
        "Sales",
        "--endpoint",
        "PJSIP/alice",
        "--admin",
        "--email",
        "alice@example.com",
    )
    run(
        "agent",
        "add",
        "Bob",
        "--cell",
        "(212) 555-0102",
        "--office",
        "Main",
        "--endpoint",
        "PJSIP/bob",
        "--sip-contact",
        "sip:127.0.0.4:5060",
    )
    run("agent", "add", "Carol", "--cell", "2125550103", "--office", "Uptown")
    run("number", "add", "+12125550100", "--scope", "office", "--owner", "Main")
    run("number", "add", "+12125550110", "--scope", "team", "--owner", "Sales")
    run("number", "add", "+12125550120", "--scope", "personal", "--owner", "Bob")
    return run


def register_for_texting(run: Run) -> None:
    """The provisioned numbers cleared to text: brand, approved campaign, all linked."""
    run("compliance", "brand", "add", "Acme")
    run(
        "compliance", "campaign", "add", "--brand", "Acme", "--use-case", "care",
        "--sample", "Acme: hi. Reply STOP to opt out.", "--sample", "Acme news. STOP to end.",
    )  # fmt: skip
    run("compliance", "campaign", "set-status", "1", "approved")
    for number in ("+12125550100", "+12125550110", "+12125550120"):
        run("compliance", "link", number, "1")


@pytest.fixture
async def texting_store(provisioned: Run, tmp_path: Path) -> AsyncIterator[SqliteStore]:
    """The provisioned numbers cleared to text, Grace (Bob's contact), the store open."""
    register_for_texting(provisioned)
    provisioned("contact", "add", "Grace", "--phone", GRACE, "--owner", "Bob")
    opened = await SqliteStore.open(tmp_path / "sn.db")
    yield opened
    await opened.close()
