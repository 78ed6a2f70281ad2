"""Free loopback ports, so tests never collide with a running demo or each other."""

from __future__ import annotations

import socket

from smartnumber.demo.trunk import free_udp_port

__all__ = ["free_tcp_port", "free_udp_port"]


def free_tcp_port(address: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((address, 0))
        return int(sock.getsockname()[1])
