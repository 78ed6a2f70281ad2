"""Where what we post or fetch (webhooks, MMS attachments) may go: public addresses only,
unless an admin allowed a host or a range (setting `egress.allow`); https unless allowed.

Checked twice: when a URL is accepted (its host as written, and what it resolves to now)
and when a connection is made (every address the name resolves to then, so a name that
later points inside, or a redirect, is caught at the address actually connected to).
Every attempt also has a total deadline and reads a bounded answer (callers' business).
"""

from __future__ import annotations

import asyncio
import ipaddress
import re
import socket
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import httpcore
import httpx

from .errors import UserError

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
RESOLVE_SECONDS = 2.0  # a name that does not resolve by then is checked again when used
# Names that never mean a public host, whatever a resolver says.
_INTERNAL_SUFFIXES = (".localhost", ".local", ".internal", ".lan", ".home.arpa", ".intranet")
# inet_aton's forms of an IPv4 address: 127.1, 2130706433, 0x7f.1, 0177.0.0.1 ...
_NUMERIC_HOST = re.compile(r"^[0-9a-fA-Fx.]+$")
REFUSED = "not a public address (an admin may allow it: settings set egress.allow HOST)"


class Refused(UserError):
    """A destination the policy does not allow."""


def literal_address(host: str) -> IPAddress | None:
    """The address a host stands for if it is an address in any form a resolver accepts."""
    bare = host.strip("[]").split("%")[0]
    try:
        return ipaddress.ip_address(bare)
    except ValueError:
        pass
    if _NUMERIC_HOST.match(bare) and any(c.isdigit() for c in bare):
        try:
            return ipaddress.IPv4Address(socket.inet_aton(bare))
        except OSError:
            return None
    return None


def is_public(address: IPAddress) -> bool:
    """Globally routable unicast: not private, loopback, link-local, multicast, reserved,
    unspecified, shared (100.64/10), documentation or the like."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return is_public(address.ipv4_mapped)
    return address.is_global and not (
        address.is_multicast or address.is_reserved or address.is_unspecified
    )


def parse_url(url: str, what: str = "the URL") -> httpx.URL:
    """An http(s) URL with a host (an IDNA-refused host is not one); UserError if not."""
    try:
        parsed = httpx.URL(url)
        host = parsed.host
    except (httpx.InvalidURL, ValueError):  # includes IDNA errors
        raise UserError(f"{what} is not a URL with a valid host name") from None
    if parsed.scheme not in ("http", "https") or not host:
        raise UserError(f"{what} must be http:// or https:// with a host")
    return parsed


def _internal_name(host: str) -> bool:
    name = host.rstrip(".").lower()
    return name == "localhost" or "." not in name or name.endswith(_INTERNAL_SUFFIXES)


@dataclass(frozen=True)
class Policy:
    """Hosts (by name, any address, http too) and ranges an admin allowed."""

    hosts: frozenset[str] = frozenset()
    networks: tuple[IPNetwork, ...] = ()

    @classmethod
    def parse(cls, value: str) -> Policy:
        hosts, networks = set(), []
        for item in (part.strip() for part in value.split(",")):
            if not item:
                continue
            try:
                networks.append(ipaddress.ip_network(item.strip("[]"), strict=False))
            except ValueError:
                if not re.fullmatch(r"[A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?", item):
                    raise UserError(f"{item!r} is not a host name, address or range") from None
                hosts.add(item.lower().rstrip("."))
        return cls(frozenset(hosts), tuple(networks))

    def __str__(self) -> str:
        return ",".join([*sorted(self.hosts), *(str(n) for n in self.networks)])

    def allows_host(self, host: str) -> bool:
        """The admin named this host (or its address)."""
        name = host.strip("[]").lower().rstrip(".")
        if name in self.hosts:
            return True
        address = literal_address(host)
        return address is not None and any(address in n for n in self.networks)

    def allows_address(self, address: IPAddress) -> bool:
        return is_public(address) or any(address in n for n in self.networks)

    def check_url(self, url: str | httpx.URL, what: str = "the URL") -> httpx.URL:
        """A URL we may post to or fetch, by what it says: http(s), a host (parse_url),
        https unless the host is allowed, no internal name or address unless allowed.
        Raises Refused."""
        parsed = url if isinstance(url, httpx.URL) else parse_url(url, what)
        host = parsed.host
        allowed = self.allows_host(host)
        if parsed.scheme != "https" and not allowed:
            raise Refused(f"{what} must be https:// (http only to a host in egress.allow)")
        if allowed:
            return parsed
        address = literal_address(host)
        if (address is not None and not self.allows_address(address)) or (
            address is None and _internal_name(host)
        ):
            raise Refused(f"{what}: {host} is {REFUSED}")
        return parsed

    async def check_resolved(self, url: httpx.URL, what: str = "the URL") -> None:
        """What the URL's host resolves to now, if it resolves within RESOLVE_SECONDS."""
        if self.allows_host(url.host) or literal_address(url.host) is not None:
            return
        try:
            async with asyncio.timeout(RESOLVE_SECONDS):
                found = await _resolve(url.host, url.port or 443)
        except (OSError, TimeoutError):
            return  # unknown now: the connection is checked when it is made
        if any(not self.allows_address(a) for a in found):
            raise Refused(f"{what}: {url.host} resolves to an address that is {REFUSED}")


async def _resolve(host: str, port: int) -> list[IPAddress]:
    infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [ipaddress.ip_address(info[4][0]) for info in infos]


@dataclass
class GuardedBackend(httpcore.AsyncNetworkBackend):
    """httpcore's network backend, connecting only to addresses the policy allows: the
    name is resolved here and the connection made to the checked address itself (TLS
    still verifies the name), so no resolver answer can slip past the check."""

    policy: Policy = field(default_factory=Policy)
    inner: httpcore.AsyncNetworkBackend = field(default_factory=httpcore.AnyIOBackend)

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        if self.policy.allows_host(host):
            candidates = [host]
        else:
            literal = literal_address(host)
            try:
                found = [literal] if literal else await _resolve(host, port)
            except OSError as exc:
                raise httpcore.ConnectError(f"cannot resolve {host}: {exc}") from None
            allowed = [a for a in found if self.policy.allows_address(a)]
            if not allowed or len(allowed) < len(found):  # any inside address: none at all
                raise httpcore.ConnectError(f"{host} is {REFUSED}")
            candidates = [str(a) for a in allowed]
        error: Exception | None = None
        for candidate in candidates:
            try:
                return await self.inner.connect_tcp(
                    candidate, port, timeout, local_address, socket_options
                )
            except httpcore.ConnectError as exc:
                error = exc
        assert error is not None
        raise error

    async def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Iterable[Any] | None = None
    ) -> httpcore.AsyncNetworkStream:
        raise httpcore.ConnectError("unix sockets are never a destination")

    async def sleep(self, seconds: float) -> None:
        await self.inner.sleep(seconds)


class GuardedTransport(httpx.AsyncHTTPTransport):
    """httpx's transport over a GuardedBackend; no proxy from the environment (it would
    be the address connected to instead of the destination)."""

    def __init__(self, policy: Policy, limits: httpx.Limits) -> None:
        super().__init__(limits=limits, trust_env=False)
        self.backend = GuardedBackend(policy)
        # httpx builds its pool with no way to pass a backend; this is the pool's own
        # attribute (httpcore.AsyncConnectionPool(network_backend=...)); the egress tests
        # fail if it stops being the one connections are made through.
        self._pool._network_backend = self.backend


class Client(httpx.AsyncClient):
    """An HTTP client that reaches only what its policy allows; redirects not followed."""

    def __init__(
        self, policy: Policy, *, timeout: float = 10.0, limits: httpx.Limits | None = None
    ) -> None:
        self.guard = GuardedTransport(policy, limits or httpx.Limits())
        super().__init__(
            transport=self.guard, timeout=timeout, follow_redirects=False, trust_env=False
        )

    @property
    def policy(self) -> Policy:
        return self.guard.backend.policy

    @policy.setter
    def policy(self, value: Policy) -> None:
        self.guard.backend.policy = value


async def read_capped(response: httpx.Response, limit: int) -> bytes:
    """At most `limit` bytes of an answer; the rest is never read (the connection is then
    dropped when the response closes)."""
    body = bytearray()
    async for chunk in response.aiter_raw():
        body += chunk
        if len(body) >= limit:
            break
    return bytes(body[:limit])
