"""PostgreSQL goes down under a running service and comes back: a call meanwhile takes
the number's fallback within the routing budget and still lands on the timeline once
the database is back; routing then resumes by itself, with no restart of anything."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from lab.postgres import Cluster
from tests.e2e.conftest import OFFICE_NUMBER, Office

pytestmark = pytest.mark.asterisk


@pytest.fixture
def outage(postgres_cluster: Cluster) -> Iterator[Cluster]:
    yield postgres_cluster
    if not _running(postgres_cluster):  # the test failed while it was down
        postgres_cluster.up()


def _running(cluster: Cluster) -> bool:
    try:
        cluster.psql("SELECT 1")
    except RuntimeError:
        return False
    return True


@pytest.mark.parametrize("store_kind", ["postgresql"])
async def test_calls_fail_open_while_postgresql_is_down_then_route_again(
    office: Office, stop_parties: None, outage: Cluster
) -> None:
    cli = office.system.cli
    cli("contact", "add", "Ann", "--phone", "+12125550150")
    cli("number", "routing", OFFICE_NUMBER, "--mode", "agent", "--agents", "Carol")
    office.system.start_asterisk()
    office.system.start_service()
    assert (await office.call("+12125550177")).answered == ["Carol"]  # routing works

    outage.down()
    try:
        stuck = await office.call("+12125550150")
    finally:
        outage.up()
    assert stuck.answered == ["Alice"]  # the number's fallback destination, at once

    call = await office.completed_call("+12125550150", timeout=30)
    assert call["detail"]["routing_status"] == "FALLBACK"
    routed = await office.call("+12125550188")
    assert routed.answered == ["Carol"]
