"""Free loopback ports for the sipp parties and servers of the demo, tests and bench.

A port the kernel picks for a bind to port 0 comes from its ephemeral range, and the
kernel hands ports of that range to every socket that connects or sends without binding
first (a resolver's query, an HTTP client, Asterisk's own DNS socket). So a port chosen
that way and bound by sipp a few seconds later may be taken by then: the phone exits
with "Unable to bind main socket". These come from below the ephemeral range, where
only an explicit bind takes a port, between the default RTP ranges of the demo
(10000-10999) and the tests (30000-30999), and each is checked free when chosen.
"""

from __future__ import annotations

import random
import socket
from pathlib import Path

LOWEST = 11_000
HIGHEST = 29_999
_EPHEMERAL_RANGE = Path("/proc/sys/net/ipv4/ip_local_port_range")


def free_udp_port(address: str = "127.0.0.1") -> int:
    """A UDP port nothing is bound to on this address, now, that no socket is given
    without asking for it."""
    return _free_port(socket.SOCK_DGRAM, address)


def free_tcp_port(address: str = "127.0.0.1") -> int:
    """The same for TCP."""
    return _free_port(socket.SOCK_STREAM, address)


def _free_port(kind: int, address: str) -> int:
    highest = min(HIGHEST, _ephemeral_start() - 1)
    candidates = random.sample(range(LOWEST, highest + 1), 200) if highest - LOWEST > 1000 else []
    for port in [*candidates, 0]:  # 0: the kernel's choice, if every candidate is taken
        with socket.socket(socket.AF_INET, kind) as probe:
            try:
                probe.bind((address, port))
            except OSError:
                continue
            return int(probe.getsockname()[1])
    raise OSError(f"no free port on {address}")


def _ephemeral_start() -> int:
    """The first port of the kernel's ephemeral range (Linux's default: 32768)."""
    try:
        return int(_EPHEMERAL_RANGE.read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 32_768
