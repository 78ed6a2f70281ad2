"""The FastAGI server and handlers, against a fake Asterisk over real TCP."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest

from lab.fake_asterisk import TOKEN, FakeAsterisk
from lab.ports import free_tcp_port
from smartnumber.asterisk import names as var
from smartnumber.asterisk.agi.context import HandlerContext
from smartnumber.asterisk.agi.routes import ROUTES, overloaded
from smartnumber.asterisk.agi.server import AgiSession, FastAgiServer, quote
from smartnumber.asterisk.names import AnswerField as F
from smartnumber.storage.sqlite import SqliteStore
from tests.unit.conftest import Run

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


async def echo(session: AgiSession, ctx: dict[str, object]) -> None:
    """A test handler: reads IN, writes OUT = IN reversed, and records what it saw."""
    value = await session.get_variable("IN")
    ctx["hung_up"] = session.hung_up
    ctx["missing"] = await session.get_variable("NOT_SET")
    await session.set_variable("OUT", (value or "")[::-1])


@pytest.fixture
async def echo_server(
    request: pytest.FixtureRequest,
) -> AsyncIterator[tuple[FastAgiServer[dict[str, object]], int]]:
    timeout = getattr(request, "param", 0.3)
    port = free_tcp_port()
    server: FastAgiServer[dict[str, object]] = FastAgiServer(
        {"echo": echo}, {}, token=TOKEN, header_timeout=timeout, command_timeout=timeout
    )
    await server.start("127.0.0.1", port)
    yield server, port
    await server.close()


async def wait_idle(server: FastAgiServer[dict[str, object]], timeout: float = 2.0) -> None:
    """Every connection finished: a handler stuck or spinning on a dead peer fails this."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while server.active:
        assert loop.time() < deadline, f"{server.active} connection(s) still being served"
        await asyncio.sleep(0.01)


async def test_routes_get_and_set_variables(echo_server) -> None:
    server, port = echo_server
    fake = FakeAsterisk(port, script="echo", variables={"IN": 'a "b" \\c (d)'})
    await fake.call()
    assert fake.set_variables["OUT"] == ')d( c\\ "b" a'
    assert server.context == {"hung_up": False, "missing": None}
    assert fake.commands[0] == "GET VARIABLE IN"


async def test_hangup_notices_are_skipped(echo_server) -> None:
    server, port = echo_server
    fake = FakeAsterisk(port, script="echo", variables={"IN": "abc"}, hangup_before_answers=True)
    await fake.call()
    assert fake.set_variables["OUT"] == "cba"
    assert server.context["hung_up"] is True


async def test_unknown_script_is_refused(echo_server, caplog: pytest.LogCaptureFixture) -> None:
    server, port = echo_server
    fake = FakeAsterisk(port, script="../../bin/sh", variables={"IN": "x"})
    await fake.call()
    assert fake.commands == []
    assert "unknown script '../../bin/sh'" in caplog.text
    await wait_idle(server)


async def test_query_string_after_the_script_name_is_ignored(echo_server) -> None:
    _, port = echo_server
    fake = FakeAsterisk(port, script="echo?x=1", variables={"IN": "ab"})
    await fake.call()
    assert fake.set_variables["OUT"] == "ba"


@pytest.mark.parametrize(
    "sent",
    [
        b"",  # connect and close
        b"agi_network: yes\nagi_network_script: echo\n",  # closed inside the header block
        b"agi_network: yes\nagi_netw",  # closed mid-line
        b"GET / HTTP/1.1\r\nHost: x\r\n\r\n",  # not AGI at all
        b"agi_x: " + b"y" * 20000 + b"\n\n",  # a line longer than the server accepts
    ],
)
@pytest.mark.parametrize("echo_server", [30.0], indirect=True)  # only EOF may end these
async def test_broken_peers_are_dropped_without_spinning(echo_server, sent: bytes) -> None:
    server, port = echo_server
    _reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(sent)
    await writer.drain()
    writer.close()
    await wait_idle(server, timeout=1.0)
    # and the server still serves the next call
    fake = FakeAsterisk(port, script="echo", variables={"IN": "ok"})
    await fake.call()
    assert fake.set_variables["OUT"] == "ko"


async def test_silent_peers_time_out(echo_server) -> None:
    server, port = echo_server
    _, stalled_headers = await asyncio.open_connection("127.0.0.1", port)
    stalled_headers.write(b"agi_network: yes\n")  # and never the blank line
    reader, mute = await asyncio.open_connection("127.0.0.1", port)
    mute.write(FakeAsterisk(port, script="echo").header_block())  # then never answers
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 1.0  # both are being served (a poll, not a guess of how long)
    while server.active < 2:
        assert loop.time() < deadline, f"only {server.active} connection(s) taken"
        await asyncio.sleep(0.005)
    assert server.active == 2
    await wait_idle(server, timeout=2.0)  # both dropped after their 0.3 s timeouts
    assert await asyncio.wait_for(reader.read(), 1) == b"GET VARIABLE IN\n"  # then EOF
    stalled_headers.close()
    mute.close()


def test_quote_keeps_values_on_one_line() -> None:
    assert quote('say "hi"\nHANGUP\\') == '"say \\"hi\\" HANGUP\\\\"'


# -- the real handlers, with a real database ----------------------------------------------


@pytest.fixture
async def service(provisioned: Run, tmp_path: Path) -> AsyncIterator[tuple[int, SqliteStore]]:
    store = await SqliteStore.open(tmp_path / "sn.db")
    port = free_tcp_port()
    server = FastAgiServer(
        ROUTES, HandlerContext(store, lambda: NOW, routing_budget=2.0), token=TOKEN
    )
    await server.start("127.0.0.1", port)
    yield port, store
    await server.close()
    await store.close()


async def test_incoming_routes_a_known_contact(provisioned: Run, service) -> None:
    port, _ = service
    provisioned("contact", "add", "Ann", "--phone", "2125550150")
    provisioned(
        "activity",
        "add",
        "--contact",
        "2125550150",
        "--agent",
        "Bob",
        "--kind",
        "text",
        "--direction",
        "outbound",
        "--at",
        "2026-11-19T09:00:00Z",
    )
    fake = FakeAsterisk(port, variables={var.DID: "+12125550100"})
    await fake.call()
    got = fake.answered
    assert got[F.STATUS] == "OK"
    assert got[F.DIAL] == "PJSIP/bob"
    assert got[F.TIMEOUT] == "30"
    assert got[F.CALL].startswith("k")  # its key: the entry is written after the answer
    assert got[F.REASON].startswith("Bob had the most recent call or text with Ann")


AGI_COMMANDS_PER_ROUTED_CALL = 1  # the answer: every field in one SET VARIABLE


async def test_a_routed_call_costs_one_agi_command(provisioned: Run, service) -> None:
    """Each AGI command is a round trip that Asterisk pays for on every call: the dialplan
    passes the DID as an argument, and the answer comes back whole in one SET VARIABLE."""
    port, _ = service
    provisioned("contact", "add", "Ann", "--phone", "2125550150")
    provisioned("number", "config", "+12125550100", "--record", "--voicemail")
    fake = FakeAsterisk(port, headers={"agi_arg_1": "+12125550100"})
    await fake.call()
    assert fake.answered[F.STATUS] == "OK" and fake.answered[F.MEDIA_ID], fake.commands
    assert len(fake.commands) == AGI_COMMANDS_PER_ROUTED_CALL, fake.commands


@pytest.mark.parametrize(
    "caller_id",
    ["5551234&PJSIP/evil", "2125550150,30,U(evil)", "x;y", "$(reboot)", "a|b", "9" * 1024],
)
async def test_hostile_caller_ids_are_unknown_callers(
    provisioned: Run, service, caller_id: str
) -> None:
    port, _ = service
    fake = FakeAsterisk(
        port, variables={var.DID: "+12125550100"}, headers={"agi_callerid": caller_id}
    )
    await fake.call()
    assert fake.answered[F.STATUS] == "OK"
    assert fake.answered[F.DIAL] == "PJSIP/alice"  # the fallback agent, from the db
    assert "Caller ID missing or not a phone number" in fake.answered[F.REASON]
    assert not fake.answered[F.CALL]  # no lead, no timeline entry


async def test_a_did_that_is_not_e164_is_an_error(service) -> None:
    port, _ = service
    fake = FakeAsterisk(port, variables={var.DID: "100,PJSIP/x"})
    await fake.call()
    assert fake.answered[F.STATUS] == "ERROR"
    assert not fake.answered[F.DIAL]


async def test_over_budget_falls_back(provisioned: Run, tmp_path: Path) -> None:
    store = await SqliteStore.open(tmp_path / "sn.db")
    port = free_tcp_port()
    server = FastAgiServer(
        ROUTES, HandlerContext(store, lambda: NOW, routing_budget=0.0001), token=TOKEN
    )
    await server.start("127.0.0.1", port)
    try:
        fake = FakeAsterisk(port, variables={var.DID: "+12125550100"})
        await fake.call()
    finally:
        await server.close()
        await store.close()
    assert fake.answered[F.STATUS] == "FALLBACK"
    assert fake.answered[F.REASON] == "routing took longer than 0 ms"
    assert not fake.answered[F.DIAL]


async def test_storage_error_falls_back(provisioned: Run, tmp_path: Path) -> None:
    store = await SqliteStore.open(tmp_path / "sn.db")
    await store.close()  # every query now fails
    port = free_tcp_port()
    server = FastAgiServer(ROUTES, HandlerContext(store, lambda: NOW), token=TOKEN)
    await server.start("127.0.0.1", port)
    try:
        fake = FakeAsterisk(port, variables={var.DID: "+12125550100"})
        await fake.call()
    finally:
        await server.close()
    assert fake.answered[F.STATUS] == "FALLBACK"
    assert fake.answered[F.REASON].startswith("routing failed")


async def test_a_locked_database_still_routes_by_rule(provisioned: Run, tmp_path: Path) -> None:
    """Another writer holds the database: the call is routed by rule all the same (the
    decision reads a snapshot, and its record is written after the answer), answered
    while the lock is held, and written once it is gone. Only a round-robin number, whose
    turn is a write, takes the fallback within the budget meanwhile."""
    import sqlite3

    provisioned("number", "routing", "+12125550110", "--mode", "round-robin",
                "--agents", "Alice,Bob")  # fmt: skip
    store = await SqliteStore.open(tmp_path / "sn.db")
    ctx = HandlerContext(store, lambda: NOW, routing_budget=0.2)
    port = free_tcp_port()
    server = FastAgiServer(ROUTES, ctx, token=TOKEN)
    await server.start("127.0.0.1", port)
    other = sqlite3.connect(tmp_path / "sn.db", isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")
        locked = FakeAsterisk(port, variables={var.DID: "+12125550100"})
        await locked.call()
        turn = FakeAsterisk(port, variables={var.DID: "+12125550110"})
        await turn.call()
        assert other.in_transaction  # both answered while the lock was still held
        assert locked.answered[F.STATUS] == "OK", locked.answered
        assert locked.answered[F.DIAL] == "PJSIP/alice"  # the fallback agent, by rule
        assert ctx.writes.holds(locked.answered[F.CALL].removeprefix("k"))
        assert turn.answered[F.STATUS] == "FALLBACK"
        assert turn.answered[F.REASON] == "routing took longer than 200 ms"
        other.execute("COMMIT")
        await ctx.writes.flush()
        calls = json.loads(provisioned("timeline", "+12125550150", "--json").output)
        assert [c["detail"]["status"] for c in calls] == ["ringing"]
    finally:
        other.close()
        await server.close()
        await store.close()


# -- locked down: token, session deadline, bounded replies, a cap, quiet logs ---------------


async def test_a_request_without_the_right_token_is_refused_unanswered(
    echo_server, caplog: pytest.LogCaptureFixture
) -> None:
    server, port = echo_server
    for token in ("", "0" * 32, TOKEN[:-1]):
        fake = FakeAsterisk(port, script="echo", variables={"IN": "x"}, token=token)
        await fake.call()
        assert fake.commands == [] and fake.set_variables == {}
    assert caplog.text.count("wrong or missing token") == 3
    await wait_idle(server)


async def _raw_session(port: int, replies: Callable[[int], bytes]) -> tuple[float, list[str]]:
    """Connect with a valid header block and answer the n-th command with replies(n);
    returns how long the server kept the connection open, and the commands it sent."""
    loop = asyncio.get_running_loop()
    start = loop.time()
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(FakeAsterisk(port, script="echo").header_block())
    commands: list[str] = []
    pending: asyncio.Task[None] | None = None

    async def answer(n: int) -> None:
        with contextlib.suppress(ConnectionError):
            for chunk in replies(n).split(b"\n"):
                writer.write(chunk + b"\n")
                await writer.drain()
                await asyncio.sleep(0.001)

    try:
        while line := await asyncio.wait_for(reader.readline(), 10):
            commands.append(line.decode().rstrip("\n"))
            pending = asyncio.create_task(answer(len(commands)))
    except (ConnectionError, TimeoutError):
        pass
    finally:
        if pending is not None:
            pending.cancel()
        writer.close()
    return loop.time() - start, commands


@pytest.fixture
async def strict_server() -> AsyncIterator[tuple[FastAgiServer[dict[str, object]], int]]:
    """Commands may take 0.5 s each, a whole session 1 s."""
    port = free_tcp_port()
    server: FastAgiServer[dict[str, object]] = FastAgiServer(
        {"echo": echo}, {}, token=TOKEN, command_timeout=0.5, session_timeout=1.0
    )
    await server.start("127.0.0.1", port)
    yield server, port
    await server.close()


@pytest.mark.parametrize(
    "flood",
    [
        b"520-Invalid command syntax.  Proper usage follows:\n" + b"520-more\n" * 2000,
        b"HANGUP\n" * 2000,
    ],
    ids=["endless-520-continuation", "hangup-storm"],
)
async def test_a_peer_that_never_answers_properly_is_cut_off(strict_server, flood: bytes) -> None:
    server, port = strict_server
    held, commands = await _raw_session(port, lambda n: flood)
    assert commands == ["GET VARIABLE IN"]  # nothing more was asked of it
    assert held < 1.5  # cut within the session deadline
    await wait_idle(server)


async def test_a_whole_session_has_a_deadline_however_slowly_the_peer_answers(
    strict_server,
) -> None:
    server, port = strict_server

    loop = asyncio.get_running_loop()
    start = loop.time()
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(FakeAsterisk(port, script="echo").header_block())
    asked = 0
    try:
        while line := await asyncio.wait_for(reader.readline(), 10):
            asked += 1
            await asyncio.sleep(0.4)  # under the 0.5 s command timeout
            writer.write(b"200 result=0\n" if line.startswith(b"GET") else b"200 result=1\n")
            await writer.drain()
    except ConnectionError:
        pass
    finally:
        writer.close()
    assert asked == 3  # echo asks three things: 1.2 s in all, past the 1 s deadline
    assert loop.time() - start < 1.4
    await wait_idle(server)


async def test_past_the_session_cap_calls_are_told_fallback_at_once() -> None:
    port = free_tcp_port()
    seen: dict[str, object] = {}
    server: FastAgiServer[dict[str, object]] = FastAgiServer(
        {"echo": echo, var.Route.INCOMING: echo},
        seen,
        token=TOKEN,
        max_sessions=2,
        overloaded=overloaded,
    )
    await server.start("127.0.0.1", port)
    try:
        mutes = []
        for _ in range(2):  # two sessions held open: they never answer GET VARIABLE IN
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.write(FakeAsterisk(port, script="echo").header_block())
            assert await asyncio.wait_for(reader.readline(), 2) == b"GET VARIABLE IN\n"
            mutes.append(writer)
        third = FakeAsterisk(port, script="echo", variables={"IN": "x"})
        await asyncio.wait_for(third.call(), 2)
        assert third.set_variables == {
            var.STATUS: "FALLBACK",
            var.REASON: "the routing service is at its session limit",
        }  # the echo route: a text's answer, in its own variables
        assert server.refused == 1 and "OUT" not in third.set_variables
        call = FakeAsterisk(port)  # a call: told in its one answer
        await asyncio.wait_for(call.call(), 2)
        assert list(call.set_variables) == [var.ANSWER]
        assert call.answered[F.STATUS] == "FALLBACK" and not call.answered[F.DIAL]
        assert call.answered[F.REASON] == "the routing service is at its session limit"
        assert server.refused == 2
        for writer in mutes:
            writer.close()
    finally:
        await server.close()


async def test_warnings_about_bad_peers_are_rate_limited(
    echo_server, caplog: pytest.LogCaptureFixture
) -> None:
    server, port = echo_server
    for _ in range(40):
        await FakeAsterisk(port, script="nope", token=TOKEN).call()
    await wait_idle(server)
    lines = [r for r in caplog.records if "unknown script" in r.getMessage()]
    assert len(lines) == 10  # the first ten in the minute; the rest counted, not logged


async def test_a_burst_is_decided_in_arrival_order_and_the_late_cost_nothing(
    provisioned: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Twelve calls at once, room for one slow decision at a time: the first are routed
    by rule, the rest take the fallback at their budget without being decided at all
    (the decisions do not all slow down together and all fall back)."""
    from smartnumber.asterisk.agi import incoming
    from smartnumber.asterisk.agi.admission import ArrivalOrder
    from smartnumber.calls import inbound

    decided: list[str] = []
    route_call = inbound.route_call

    async def slow(store, did, caller, now):  # type: ignore[no-untyped-def]
        decided.append(caller)
        await asyncio.sleep(0.08)  # a decision that takes this long (the store is busy)
        return await route_call(store, did, caller, now)

    monkeypatch.setattr(incoming.calls, "route_call", slow)
    store = await SqliteStore.open(tmp_path / "sn.db")
    ctx = HandlerContext(store, lambda: NOW, routing_budget=0.3)
    object.__setattr__(ctx, "decisions", ArrivalOrder(1))
    port = free_tcp_port()
    server = FastAgiServer(ROUTES, ctx, token=TOKEN)
    await server.start("127.0.0.1", port)
    did = {var.DID: "+12125550100"}
    fakes = [FakeAsterisk(port, variables=did, headers={"agi_callerid": f"+1212555{i:04d}"})
             for i in range(12)]  # fmt: skip
    try:
        await asyncio.gather(*(f.call() for f in fakes))
        await ctx.writes.flush()
    finally:
        await server.close()
        await store.close()
    statuses = [f.answered[F.STATUS] for f in fakes]
    routed = statuses.count("OK")
    assert 1 <= routed < 12, statuses  # 0.3 s holds a few 0.08 s decisions, not twelve
    assert set(statuses) == {"OK", "FALLBACK"}, statuses
    late = [f.answered[F.REASON] for f in fakes if f.answered[F.STATUS] == "FALLBACK"]
    assert set(late) == {"routing took longer than 300 ms"}
    # Those let in were decided; at most one more was begun and cut off by its budget.
    assert routed <= len(decided) <= routed + 1, (statuses, decided)
    assert ctx.decisions.shed >= 12 - routed - 1


async def test_the_budget_counts_from_when_asterisk_asked(provisioned: Run, tmp_path: Path) -> None:
    """A request whose header block took longer than the budget to arrive is past its
    budget already: it takes the fallback at once, undecided."""
    store = await SqliteStore.open(tmp_path / "sn.db")
    ctx = HandlerContext(store, lambda: NOW, routing_budget=0.1)
    port = free_tcp_port()
    server = FastAgiServer(ROUTES, ctx, token=TOKEN)
    await server.start("127.0.0.1", port)
    fake = FakeAsterisk(port, variables={var.DID: "+12125550100"})
    try:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        head, _, _ = fake.header_block().rpartition(b"\n\n")
        writer.write(head + b"\n")
        await writer.drain()
        await asyncio.sleep(0.2)  # the rest of the block comes after the budget
        writer.write(b"\n")
        await writer.drain()
        while line := await asyncio.wait_for(reader.readline(), 5):
            command = line.decode().rstrip("\n")
            writer.write(fake.answer(command).encode() + b"\n")
            await writer.drain()
        writer.close()
    finally:
        await server.close()
        await store.close()
    assert fake.answered[F.STATUS] == "FALLBACK"
    assert fake.answered[F.REASON] == "routing took longer than 100 ms"
    assert ctx.decisions.shed == 1


def _fed(data: bytes) -> asyncio.StreamReader:
    reader = asyncio.StreamReader(limit=8192)
    reader.feed_data(data)
    reader.feed_eof()
    return reader


async def test_the_header_block_is_read_whole_and_checked_line_by_line() -> None:
    """As Asterisk 16 sends it: some twenty agi_* lines, then a blank line."""
    from smartnumber.asterisk.agi.server import MAX_HEADER_LINES, AgiError, read_headers

    block = FakeAsterisk(1, headers={f"agi_x{i}": str(i) for i in range(15)}).header_block()
    headers = await read_headers(_fed(block + b"GET VARIABLE X\n"))
    assert headers["agi_x14"] == "14" and headers["agi_network_script"].startswith("incoming")
    too_many = b"".join(b"agi_x%d: 1\n" % i for i in range(MAX_HEADER_LINES + 1)) + b"\n"
    for sent, said in (
        (too_many, "AGI header block too long"),
        (b"agi_network: yes\nHost: x\n\n", "not an AGI header line: 'Host: x'"),
        (b"agi_network: yes\n", "connection closed inside the AGI header block"),
    ):
        with pytest.raises(AgiError, match=said):
            await read_headers(_fed(sent))


@pytest.mark.parametrize(
    ("asked", "status"),
    [
        (-0.5, "FALLBACK"),  # Asterisk asked half a second ago: past the 0.3 s budget
        (-0.05, "OK"),  # a moment ago: within it
        (-60.0, "OK"),  # a clock a minute off is not a queue: counted from the accept
        (None, "OK"),  # not a time at all: the same
    ],
)
async def test_the_budget_counts_from_the_time_asterisk_gives(
    provisioned: Run, tmp_path: Path, asked: float | None, status: str
) -> None:
    import time

    store = await SqliteStore.open(tmp_path / "sn.db")
    ctx = HandlerContext(store, lambda: NOW, routing_budget=0.3)
    port = free_tcp_port()
    server = FastAgiServer(ROUTES, ctx, token=TOKEN)
    await server.start("127.0.0.1", port)
    sent = "now-ish" if asked is None else f"{time.time() + asked:.3f}"
    fake = FakeAsterisk(port, headers={"agi_arg_1": "+12125550100", "agi_arg_2": sent})
    try:
        await fake.call()
        await ctx.writes.flush()
    finally:
        await server.close()
        await store.close()
    assert fake.answered[F.STATUS] == status, fake.answered
    assert ctx.decisions.shed == (1 if status == "FALLBACK" else 0)
