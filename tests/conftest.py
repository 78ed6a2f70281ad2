from __future__ import annotations

import os
import shutil
from collections.abc import AsyncIterator, Generator, Iterator
from pathlib import Path

import pytest

from lab.system import System


def _missing_tools() -> list[str]:
    missing = [tool for tool in ("sipp",) if shutil.which(tool) is None]
    if not (shutil.which("asterisk") or Path("/usr/sbin/asterisk").exists()):
        missing.append("asterisk")
    return missing


def pytest_runtest_setup(item: pytest.Item) -> None:
    if item.get_closest_marker("asterisk") is None:
        return
    missing = _missing_tools()
    if not missing:
        return
    message = f"{', '.join(missing)} not installed (scripts/bootstrap installs them)"
    if os.environ.get("CI"):
        pytest.fail(f"CI must run Asterisk tests: {message}")
    pytest.skip(message)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """A failed test that ran a System shows what its pieces saw (before the fixture's
    teardown removes them): Asterisk's log, the service's and the API's, and every sipp
    party's trace and errors."""
    report = yield
    made = getattr(item, "funcargs", {}).get("system")
    if report.failed and isinstance(made, System):
        for title, text in made.evidence():
            report.sections.append((f"{title} (failed test)", text))
    return report


@pytest.fixture
def system() -> Iterator[System]:
    """A fresh database with free loopback ports; Asterisk is started by the test."""
    made = System.create()
    try:
        yield made
    finally:
        made.close()


@pytest.fixture
async def stop_parties(system: System) -> AsyncIterator[None]:
    yield
    for party in system.parties:
        await party.stop()
