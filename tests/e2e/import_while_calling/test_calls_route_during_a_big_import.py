"""A 100,000-row contact import commits in batches: calls that arrive meanwhile are
routed by rule (status OK, not the FALLBACK a locked database used to force), and the
import still ends with every row."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from tests.e2e.conftest import OFFICE_NUMBER, Office

pytestmark = pytest.mark.asterisk

ROWS = 100_000


def big_csv(path: Path) -> Path:
    with path.open("w") as out:
        out.write("name,phone,owner\n")
        for i in range(ROWS):
            out.write(f"Lead {i},+1312{5550000 + i:07d},Bob\n")
    return path


async def test_calls_route_by_rule_while_100000_contacts_are_imported(
    office: Office, stop_parties: None, tmp_path: Path
) -> None:
    system = office.system
    system.cli("number", "routing", OFFICE_NUMBER, "--mode", "agent", "--agents", "Carol")
    system.cli("contact", "add", "Grace", "--phone", "+12125550150", "--owner", "Bob")
    system.cli("activity", "add", "--contact", "+12125550150", "--agent", "Bob",
               "--kind", "text", "--direction", "outbound")  # fmt: skip
    system.start_asterisk()
    # What is tested is that the import shares the database by turns, not the 300 ms
    # latency budget (that is bench/'s): a busy machine must not make a slow decision a
    # fallback here. An import that held the lock throughout would still take >3 s.
    system.start_service("--routing-budget-ms", "3000")
    importing = asyncio.create_task(
        system.acli("contact", "import", str(big_csv(tmp_path / "c.csv")))
    )
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 60
    while len(json.loads(system.cli("contact", "list", "--limit", "3", "--json").output)) < 3:
        assert loop.time() < deadline and not importing.done(), "the import never committed"
        await asyncio.sleep(0.2)  # the first batch is in: the import holds the lock by turns

    callers = ["+12125550150", "+13105550101", "+13105550102", "+13105550103"]
    for caller in callers:
        result = await office.call(caller)
        assert result.answered, result.caller.output
    assert not importing.done(), "the import ended before the calls: nothing was tested"
    routed = [e for e in system.service_log() if e.get("message") == "call routed"]
    assert [(e["status"], e["decision"]["agents"]) for e in routed] == [
        ("OK", ["Bob"]),  # Grace: Bob texted her last
        ("OK", ["Carol"]),
        ("OK", ["Carol"]),
        ("OK", ["Carol"]),
    ]
    done = await importing
    assert done.exit_code == 0, done.output
    assert f"{ROWS} contacts imported" in done.output
