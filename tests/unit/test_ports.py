"""Free ports for parties and servers: below the kernel's ephemeral range (where a port
chosen now cannot be handed to another socket before it is bound), and really free."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from smartnumber.demo import ports


@pytest.mark.parametrize("kind", [socket.SOCK_DGRAM, socket.SOCK_STREAM])
def test_a_port_is_free_and_below_the_ephemeral_range(kind: int) -> None:
    free = ports.free_udp_port if kind == socket.SOCK_DGRAM else ports.free_tcp_port
    ephemeral = Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()
    for _ in range(20):
        port = free("127.0.0.4")
        assert ports.LOWEST <= port <= ports.HIGHEST
        assert port < int(ephemeral[0])
        with socket.socket(socket.AF_INET, kind) as taken:
            taken.bind(("127.0.0.4", port))  # free indeed


def test_a_port_taken_on_every_address_is_passed_over(monkeypatch: pytest.MonkeyPatch) -> None:
    free = ports.free_udp_port("127.0.0.4")
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as wildcard:
        wildcard.bind(("0.0.0.0", ports.free_udp_port()))  # as a resolver's socket is bound
        taken = wildcard.getsockname()[1]
        monkeypatch.setattr(ports.random, "sample", lambda population, k: [taken, free])

        assert ports.free_udp_port("127.0.0.4") == free
