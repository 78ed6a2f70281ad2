"""Each AMI user may do what its process needs and nothing more.

The routing service's login hears UserEvents and sends texts: it cannot Originate (a
stolen secret places no calls to premium numbers). The CLI's login originates calls but
cannot read Asterisk's system events nor run commands. Modules that could listen in on
calls or run shell commands are not loaded at all.
"""

from __future__ import annotations

import pytest

from lab.ami import watch
from lab.system import System

pytestmark = pytest.mark.asterisk

PREMIUM = "+882160000001"


@pytest.fixture
def asterisk(system: System) -> System:
    system.start_asterisk()
    return system


async def test_the_services_login_cannot_originate_or_run_commands(asterisk: System) -> None:
    async with watch(**asterisk.ami_credentials("service")) as ami:
        for action in (
            {"Action": "Originate", "Channel": f"PJSIP/{PREMIUM}@trunk", "Application": "Wait",
             "Data": "1", "Async": "true"},
            {"Action": "Originate", "Channel": "Local/s@smartnumber-agents",
             "Application": "ChanSpy", "Data": "", "Async": "true"},
            {"Action": "Command", "Command": "core show version"},
            {"Action": "Reload"},
        ):  # fmt: skip
            answer = await ami.send(action)
            assert answer.get("Response") == "Error", (action, dict(answer))
            assert "Permission denied" in answer.get("Message", ""), dict(answer)
        assert (await ami.send({"Action": "Ping"})).get("Response") == "Success"


async def test_the_clis_login_reads_no_system_events_and_runs_no_commands(
    asterisk: System,
) -> None:
    async with watch(**asterisk.ami_credentials("cli")) as ami:
        # A login that may read system events is greeted with FullyBooted straight after
        # the login response, before any answer to what it sends next.
        assert (await ami.send({"Action": "Ping"})).get("Response") == "Success"
        assert [e for e in ami.events if e.get("Event") == "FullyBooted"] == []
        for action in (
            {"Action": "Command", "Command": "core show version"},
            {"Action": "Reload"},
            {"Action": "GetConfig", "Filename": "manager.conf"},
        ):
            answer = await ami.send(action)
            assert "Permission denied" in answer.get("Message", ""), (action, dict(answer))
    async with watch(**asterisk.watcher_credentials()) as control:  # read=all: it is greeted
        await control.wait_for(lambda e: e.get("Event") == "FullyBooted")


def test_modules_nothing_uses_are_not_loaded(asterisk: System) -> None:
    unwanted = (
        "app_chanspy",
        "app_system",
        "func_shell",
        "res_pjsip_endpoint_identifier_anonymous",
    )
    for module in unwanted:
        shown = asterisk.rx(f"module show like {module}")
        assert "0 modules loaded" in shown, shown
    assert "1 modules loaded" in asterisk.rx("module show like app_dial")  # control
