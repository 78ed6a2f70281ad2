"""The API's rate limits are counted in the store, so two `smartnumber api` processes on
one database (two nodes behind a balancer) share one limit per token -- and one count
of failed attempts per address -- instead of giving each its own. When the store cannot
answer at once (its write lock held), a request is not held up: it is counted by its own
process for that moment."""

from __future__ import annotations

import contextlib
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator

import httpx
import pytest

from lab.ports import free_tcp_port
from tests.api.conftest import Crm


@contextlib.contextmanager
def other_api(crm: Crm) -> Iterator[str]:
    """A second `smartnumber api` on the same database: its base URL."""
    port = free_tcp_port()
    log = (crm.system.api_log_file.parent / "api-2.log").open("ab")
    argv = [sys.executable, "-m", "smartnumber", "--db", str(crm.system.db)]
    process = subprocess.Popen(
        [*argv, "api", "--port", str(port)],
        stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    log.close()
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 15
        while True:
            assert process.poll() is None, "the second API exited"
            with contextlib.suppress(httpx.TransportError):
                httpx.get(f"{url}/openapi.json", timeout=1)
                break
            assert time.monotonic() < deadline, "the second API did not come up"
            time.sleep(0.05)
        yield url
    finally:
        process.terminate()
        process.wait(10)


@pytest.fixture
def slow_rate(crm: Crm) -> Crm:
    crm.system.stop_api()
    crm.system.cli("settings", "set", "api.rate_limit", "5")  # bursts of 10
    crm.system.start_api()
    return crm


async def test_two_api_processes_share_one_limit_per_token(slow_rate: Crm) -> None:
    crm = slow_rate
    auth = {"authorization": f"Bearer {crm.tokens['crm']}"}
    with other_api(crm) as second:
        async with (
            httpx.AsyncClient(base_url=crm.system.api_url, headers=auth) as one,
            httpx.AsyncClient(base_url=second, headers=auth) as two,
        ):
            started = time.monotonic()
            answers = [await (one, two)[n % 2].get("/v1/contacts") for n in range(40)]
            took = time.monotonic() - started
    ok = [a for a in answers if a.status_code == 200]
    # One bucket of 10, refilled at 5 a second while the requests went (each process may
    # hold a token it took and has not spent): two buckets would let 20 and more through.
    assert 10 <= len(ok) <= 10 + 5 * took + 2, (len(ok), took)
    assert {a.status_code for a in answers} == {200, 429}
    assert {n % 2 for n, a in enumerate(answers) if a.status_code == 429} == {0, 1}


async def test_failed_attempts_count_across_api_processes(crm: Crm) -> None:
    with other_api(crm) as second:
        async with (
            httpx.AsyncClient(base_url=crm.system.api_url) as one,
            httpx.AsyncClient(base_url=second) as two,
        ):
            bad = {"authorization": "Bearer sn_" + "x" * 43}
            statuses = [
                (await (one, two)[n % 2].get("/v1/contacts", headers=bad)).status_code
                for n in range(40)
            ]
    # 20 failures from one address, wherever they landed, then 429 from both.
    assert statuses.count(401) <= 24, statuses
    assert statuses[-4:] == [429] * 4, statuses


async def test_a_request_does_not_wait_for_a_locked_store(slow_rate: Crm) -> None:
    crm = slow_rate
    holder = sqlite3.connect(crm.system.db, isolation_level=None, timeout=1)
    holder.execute("BEGIN IMMEDIATE")  # the write lock, held as a busy service would
    try:
        async with crm.client("crm") as client:
            started = time.monotonic()
            answer = await client.get("/v1/contacts", timeout=5)
            took = time.monotonic() - started
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert answer.status_code == 200 and took < 2, (answer.status_code, took)
