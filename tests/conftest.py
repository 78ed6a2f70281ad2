from __future__ import annotations

import asyncio
import itertools
import os
import shutil
from collections.abc import AsyncIterator, Generator, Iterator
from pathlib import Path

import pytest

from lab import postgres
from lab.system import System
from smartnumber.storage import open_store


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


@pytest.fixture(scope="session")
def postgres_cluster() -> Iterator[postgres.Cluster]:
    """One private PostgreSQL cluster for the whole run (lab/postgres.py), with a
    migrated template database that each test's database is a copy of."""
    if postgres.bin_dir() is None:
        message = "PostgreSQL not installed (scripts/bootstrap installs it)"
        if os.environ.get("CI"):
            pytest.fail(f"CI must run PostgreSQL tests: {message}")
        pytest.skip(message)
    cluster = postgres.Cluster.start()
    try:
        cluster.new_database(postgres.TEMPLATE)
        asyncio.run(_migrated(cluster.url(postgres.TEMPLATE)))
        yield cluster
    finally:
        cluster.stop()


async def _migrated(url: str) -> None:
    store = await open_store(url)
    await store.close()


@pytest.fixture
def postgres_url(postgres_cluster: postgres.Cluster) -> str:
    """A new database of this test's own, migrated already."""
    name = f"t{next(_databases)}"
    return postgres_cluster.new_database(name, template=postgres.TEMPLATE)


_databases = itertools.count(1)


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """A test marked both_stores runs its System on SQLite and on PostgreSQL."""
    marked = metafunc.definition.get_closest_marker("both_stores")
    if marked and "system" in metafunc.fixturenames:
        metafunc.parametrize("store_kind", ["sqlite", "postgresql"])


@pytest.fixture
def store_kind() -> str:
    return "sqlite"


@pytest.fixture
def system(request: pytest.FixtureRequest, store_kind: str) -> Iterator[System]:
    """A fresh database with free loopback ports; Asterisk is started by the test."""
    database = request.getfixturevalue("postgres_url") if store_kind == "postgresql" else None
    made = System.create(database)
    try:
        yield made
    finally:
        made.close()


@pytest.fixture
async def stop_parties(system: System) -> AsyncIterator[None]:
    yield
    for party in system.parties:
        await party.stop()
