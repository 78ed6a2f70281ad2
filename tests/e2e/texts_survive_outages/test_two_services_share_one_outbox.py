"""Two routing services on one database (a second node, or a restart that overlapped):
texts queued while none ran are each sent once -- the outbox is claimed before it is
sent -- and each lead gets their texts in the order they were written."""

from __future__ import annotations

import asyncio
import sys
from collections import Counter
from pathlib import Path

import pytest

from lab.ports import free_tcp_port
from lab.system import System, log_lines
from tests.e2e.conftest import OFFICE_NUMBER, Office
from tests.e2e.texting.conftest import FIRST, Inbox, outbox, register_for_texting

pytestmark = [pytest.mark.asterisk, pytest.mark.both_stores]

LEADS = [f"+1310555{n:04d}" for n in range(200, 230)]  # thirty leads, two texts each


async def test_two_services_send_each_queued_text_once_and_in_order(
    office: Office, stop_parties: None
) -> None:
    system = office.system
    register_for_texting(system, OFFICE_NUMBER)
    contacts = system.root / "leads.csv"
    contacts.write_text(
        "name,phone,owner\n" + "".join(f"Lead {n},{lead},Bob\n" for n, lead in enumerate(LEADS))
    )
    system.cli("contact", "import", str(contacts))
    second_log = system.root / "serve-2.log"
    async with Inbox(system) as inbox:  # the carrier's side, from before the first text
        for part in ("first", "second"):  # queued while no service runs
            for lead in LEADS:
                system.cli("text", "send", "--agent", "Bob", "--to", lead, f"{part} for {lead}")
        system.start_asterisk()
        with second_log.open("ab") as log:  # the other node's service, started first
            second = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "smartnumber",
                "--db",
                str(system.db),
                "serve",
                "--agi-port",
                str(free_tcp_port()),
                stdin=asyncio.subprocess.DEVNULL,
                stdout=log,
                stderr=asyncio.subprocess.STDOUT,
            )
        try:
            system.start_service()  # and this one: both race for the same outbox
            got = await inbox.texts(handled=0, timeout=120)
            await both_idle(system, second_log)
        finally:
            second.terminate()
            await asyncio.wait_for(second.wait(), 10)

    assert Counter(t["status"] for t in outbox(system)) == {"sent": 2 * len(LEADS)}
    received = Counter((t.to, t.body.removesuffix(FIRST)) for t in got)
    twice = {text: n for text, n in received.items() if n > 1}
    assert not twice, f"{len(twice)} texts reached their lead more than once: {twice}"
    assert len(received) == 2 * len(LEADS)
    for lead in LEADS:
        bodies = [t.body.removesuffix(FIRST) for t in got if t.to == lead]
        assert bodies == [f"first for {lead}", f"second for {lead}"]  # in order
    sent_by = [
        sum(1 for e in entries if e.get("message") == "text sent")
        for entries in (system.service_log(), log_lines(second_log))
    ]
    assert sum(sent_by) == 2 * len(LEADS), sent_by  # each text sent by one service, once


async def both_idle(system: System, second_log: Path, timeout: float = 30.0) -> None:
    """Until every text has a 'sent' line in one of the two services' logs: only then
    are the logs counted, so a late second send would be seen."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        lines = system.service_log() + log_lines(second_log)
        if sum(1 for e in lines if e.get("message") == "text sent") >= 2 * len(LEADS):
            return
        assert loop.time() < deadline, "the services did not log every text sent"
        await asyncio.sleep(0.1)
