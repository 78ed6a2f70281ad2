"""Free loopback ports, so tests never collide with a running demo or each other."""

from __future__ import annotations

from smartnumber.demo.ports import free_tcp_port, free_udp_port

__all__ = ["free_tcp_port", "free_udp_port"]
