"""What a routed call costs Asterisk, counted: the dialplan priorities it runs. Each costs
Asterisk about 45 us of CPU (docs/performance.md), so the count is held to a budget: a
change that adds a step to every call fails here and says which steps ran."""

from __future__ import annotations

import asyncio
import re

import pytest

from tests.e2e.conftest import Office

pytestmark = pytest.mark.asterisk

# A call the caller ends once connected: the trunk's Goto, the number's context (3 steps),
# the route (AGI, the check of every character, the split, the check of the fields,
# Dial's options, the recording check, the Dial) and the hangup handler (2). Before the
# answer came in one variable it was 31.
PRIORITIES_PER_ROUTED_CALL = 13
_EXECUTING = re.compile(r"Executing \[([^\]]+)\] (\w+)\(\"(PJSIP/trunk-[0-9a-f]+)\"")


async def test_a_routed_call_runs_within_its_priorities(office: Office, stop_parties: None) -> None:
    office.system.cli("contact", "add", "Ann", "--phone", "+12125550150")
    office.system.start_asterisk()
    office.system.start_service()
    log = office.system.instance.dirs.log / "messages.log"
    start = log.stat().st_size if log.exists() else 0

    result = await office.call("+12125550150")
    assert result.caller.succeeded, result.caller.output
    await office.completed_call("+12125550150")  # the hangup handler has run

    def steps() -> list[str]:
        with log.open() as handle:
            handle.seek(start)
            return [f"{m[1]} {m[2]}" for m in _EXECUTING.finditer(handle.read())]

    loop = asyncio.get_running_loop()
    deadline = loop.time() + 10
    while not any("Return" in step and "call-ended" in step for step in steps()):
        assert loop.time() < deadline, steps()  # the log is written a moment after
        await asyncio.sleep(0.05)
    ran = steps()
    assert len(ran) <= PRIORITIES_PER_ROUTED_CALL, "\n".join(ran)
    assert any(step.endswith(" Dial") or "ExecIf" in step for step in ran), ran
