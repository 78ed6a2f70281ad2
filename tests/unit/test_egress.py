"""Where webhooks and MMS fetches may go (smartnumber/egress.py): every spelling of an
inside address is one, names that mean inside are refused, https unless allowed, and an
admin's allowance by name or range; the connection itself is checked (a real socket)."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from smartnumber import egress
from smartnumber.errors import UserError

INSIDE = [
    "127.0.0.1", "127.1", "2130706433", "0x7f000001", "0177.0.0.1", "0x7f.1", "::1",
    "[::1]", "::ffff:127.0.0.1", "10.1.2.3", "172.16.0.1", "192.168.0.1", "169.254.169.254",
    "100.64.0.1", "0.0.0.0", "224.0.0.1", "fe80::1", "fd00::1", "192.0.2.1", "240.0.0.1",
]  # fmt: skip


@pytest.mark.parametrize("host", INSIDE)
def test_every_spelling_of_an_inside_address_is_refused(host: str) -> None:
    address = egress.literal_address(host)
    assert address is not None and not egress.is_public(address)
    shown = f"[{host.strip('[]')}]" if ":" in host else host
    # (httpx itself refuses some spellings, e.g. octal with a leading 0, as no host)
    with pytest.raises(UserError, match=r"not a public address|valid host name"):
        egress.Policy().check_url(f"https://{shown}/hook")


@pytest.mark.parametrize(
    "host", ["localhost", "LOCALHOST.", "api.localhost", "printer.local", "db.internal", "crm"]
)
def test_names_that_mean_inside_are_refused(host: str) -> None:
    with pytest.raises(egress.Refused):
        egress.Policy().check_url(f"https://{host}/hook")


def test_public_https_is_fine_and_http_needs_an_allowance() -> None:
    policy = egress.Policy()
    assert policy.check_url("https://crm.example.com/h").host == "crm.example.com"
    assert policy.check_url("https://8.8.8.8/h").host == "8.8.8.8"
    assert egress.literal_address("cafe1.be") is None  # a name, not hex digits
    with pytest.raises(egress.Refused, match="https"):
        policy.check_url("http://crm.example.com/h")
    with pytest.raises(UserError, match="valid host"):
        policy.check_url("https://xn--a.com/h")


def test_an_admin_allows_hosts_and_ranges() -> None:
    policy = egress.Policy.parse(" hooks.internal , 10.0.0.0/8,127.0.0.1")
    assert str(policy) == "hooks.internal,10.0.0.0/8,127.0.0.1/32"
    policy.check_url("http://hooks.internal:8000/h")
    policy.check_url("http://10.9.8.7/h")
    policy.check_url("http://127.0.0.1:9/h")
    with pytest.raises(egress.Refused):
        policy.check_url("https://192.168.1.1/h")
    with pytest.raises(UserError, match="not a host name"):
        egress.Policy.parse("bad host!")


async def test_the_connection_is_checked_at_the_address_connected_to() -> None:
    seen: list[bytes] = []

    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        seen.append(await reader.readuntil(b"\r\n\r\n"))
        writer.write(b"HTTP/1.1 204 No Content\r\n\r\n")
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(answer, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        async with egress.Client(egress.Policy()) as client:
            for url in (f"http://127.0.0.1:{port}/", f"http://localhost:{port}/"):
                with pytest.raises(httpx.ConnectError, match="not a public address"):
                    await client.get(url)  # the client itself does not check the URL
            assert seen == []
            client.policy = egress.Policy.parse("127.0.0.0/8")
            assert (await client.get(f"http://localhost:{port}/")).status_code == 204
            assert len(seen) == 1
    finally:
        server.close()
        await server.wait_closed()
