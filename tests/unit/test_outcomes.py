"""Call outcomes from the hangup handler's AMI UserEvent, recorded on the timeline."""

from __future__ import annotations

import array
import json
import wave
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from lab.fake_asterisk import TOKEN, FakeAsterisk
from lab.ports import free_tcp_port
from smartnumber.asterisk import events
from smartnumber.asterisk import names as var
from smartnumber.asterisk.agi.context import HandlerContext
from smartnumber.asterisk.agi.routes import ROUTES
from smartnumber.asterisk.agi.server import FastAgiServer
from smartnumber.asterisk.names import AnswerField as F
from smartnumber.storage.sqlite import SqliteStore
from tests.unit.conftest import Run, assert_user_error

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


def ended(**fields: str) -> dict[str, str]:
    """An AMI UserEvent as Asterisk sends it for [smartnumber-call-ended]."""
    event = {
        "Event": "UserEvent",
        "UserEvent": var.CALL_ENDED_EVENT,
        "Uniqueid": "1700.1",
        "Channel": "PJSIP/trunk-00000001",
        "Call": "",
        "DialStatus": "",
        "Peer": "",
        "PeerNumber": "",
        "AnsweredTime": "",
        "Did": "+12125550100",
        "Status": "",
        "Caller": "+12125550150",
    }
    event.update(fields)
    return event


@pytest.fixture
async def ctx(provisioned: Run, tmp_path: Path) -> AsyncIterator[HandlerContext]:
    store = await SqliteStore.open(tmp_path / "sn.db")
    handlers = HandlerContext(store, lambda: NOW, routing_budget=2.0)
    yield handlers
    await handlers.writes.flush()
    await store.close()


def test_only_our_user_event_counts() -> None:
    assert events.call_ended(ended()) is not None
    assert events.call_ended({**ended(), "UserEvent": "SomethingElse"}) is None
    assert events.call_ended({**ended(), "Event": "Hangup"}) is None


async def route_a_call(ctx: HandlerContext) -> dict[F, str]:
    """A call to +12125550100 from Ann's number through our FastAGI server: its answer."""
    port = free_tcp_port()
    server = FastAgiServer(ROUTES, ctx, token=TOKEN)
    await server.start("127.0.0.1", port)
    ringing = FakeAsterisk(port, variables={var.DID: "+12125550100"})
    await ringing.call()
    await server.close()
    await ctx.writes.flush()  # its entry, written after the answer
    return ringing.answered


async def test_a_routed_call_is_completed(provisioned: Run, ctx: HandlerContext) -> None:
    provisioned("contact", "add", "Ann", "--phone", "2125550150")
    variables = await route_a_call(ctx)
    await events.report(
        ended(
            Call=variables[F.CALL],
            DialStatus="ANSWER",
            Peer="PJSIP/alice-00000002",
            PeerNumber="alice",
            AnsweredTime="12",
        ),
        ctx,
    )
    (entry,) = json.loads(provisioned("timeline", "2125550150", "--json").output)
    assert entry["agent"] == "Alice"
    assert entry["detail"]["talk_seconds"] == 12
    assert entry["detail"]["status"] == "answered"


async def test_a_fallback_call_still_lands_on_the_timeline(
    provisioned: Run, ctx: HandlerContext
) -> None:
    provisioned("contact", "add", "Ann", "--phone", "2125550150")
    ctx.remember_fallback("1700.1", "routing took longer than 300 ms")
    await events.report(
        ended(
            Status="FALLBACK",
            DialStatus="ANSWER",
            Peer="PJSIP/alice-00000002",
            PeerNumber="alice",
            AnsweredTime="5",
        ),
        ctx,
    )
    (entry,) = json.loads(provisioned("timeline", "2125550150", "--json").output)
    assert entry["detail"]["routing_status"] == "FALLBACK"
    assert entry["detail"]["reason"] == "routing took longer than 300 ms"
    assert entry["detail"]["answered_by"] == "Alice"
    assert entry["smart_number"] == "+12125550100"
    assert ctx.fallback_reasons == {}  # used once, then forgotten


async def test_a_fallback_call_reported_by_two_services_is_one_entry(
    provisioned: Run, ctx: HandlerContext
) -> None:
    """Two services on one Asterisk both hear the hangup handler's event: the call is on
    the timeline once (its channel's Uniqueid names it)."""
    provisioned("contact", "add", "Ann", "--phone", "2125550150")
    first = await events.report(ended(Status="FALLBACK", DialStatus="NOANSWER"), ctx)
    again = await events.report(ended(Status="FALLBACK", DialStatus="NOANSWER"), ctx)
    other = await events.report(ended(Uniqueid="1700.9", DialStatus="NOANSWER"), ctx)
    assert first == again and other != first
    entries = json.loads(provisioned("timeline", "2125550150", "--json").output)
    assert sorted(e["id"] for e in entries) == sorted({first, other})


async def test_service_down_calls_say_so(provisioned: Run, ctx: HandlerContext) -> None:
    provisioned("contact", "add", "Ann", "--phone", "2125550150")
    await events.report(ended(DialStatus="NOANSWER"), ctx)
    (entry,) = json.loads(provisioned("timeline", "2125550150", "--json").output)
    assert entry["detail"]["routing_status"] == "UNREACHED"
    assert entry["detail"]["status"] == "missed"


async def test_unknown_or_hostile_callers_leave_no_entry(
    provisioned: Run, ctx: HandlerContext
) -> None:
    await events.report(ended(Caller="2125550150&PJSIP/x", DialStatus="ANSWER"), ctx)
    await events.report(ended(Caller="", DialStatus="ANSWER"), ctx)
    assert json.loads(provisioned("contact", "list", "--json").output) == []


def test_remembered_reasons_are_bounded() -> None:
    ctx = HandlerContext(store=None, clock=lambda: NOW)  # type: ignore[arg-type]
    for i in range(5):
        ctx.remember_fallback(str(i), f"reason {i}", keep=3)
    assert list(ctx.fallback_reasons) == ["2", "3", "4"]


def write_wav(path: Path, seconds: float, amplitude: int = 8000) -> None:
    """A 8 kHz 16-bit mono WAV holding a square wave, as Asterisk would have written it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    frames = int(seconds * 8000)
    samples = array.array("h", (amplitude if (i // 20) % 2 else -amplitude for i in range(frames)))
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(8000)
        out.writeframes(samples.tobytes())


async def routed_with_voicemail(provisioned: Run, ctx: HandlerContext) -> dict[F, str]:
    provisioned("contact", "add", "Ann", "--phone", "2125550150")
    provisioned("number", "config", "+12125550100", "--voicemail")
    return await route_a_call(ctx)


async def test_a_voicemail_lands_on_the_timeline_and_the_list(
    provisioned: Run, tmp_path: Path
) -> None:
    store = await SqliteStore.open(tmp_path / "sn.db")
    ctx = HandlerContext(store, lambda: NOW, routing_budget=2.0, media=tmp_path / "media")
    try:
        variables = await routed_with_voicemail(provisioned, ctx)
        assert variables[F.VOICEMAIL] == "1" and not variables[F.RECORD]
        media_id = variables[F.MEDIA_ID]
        write_wav(tmp_path / "media" / "recordings" / f"vm-{media_id}.wav", 4.0)
        event = ended(Call=variables[F.CALL], DialStatus="NOANSWER", Media=media_id)
        await events.report(event, ctx)
        await events.report(event, ctx)  # reported twice: kept once
    finally:
        await store.close()
    kinds = [e["kind"] for e in json.loads(provisioned("timeline", "2125550150", "--json").output)]
    assert kinds == ["voicemail", "call"]
    (kept,) = json.loads(
        provisioned("recording", "list", "--contact", "2125550150", "--json").output
    )
    assert kept["id"] == f"vm-{media_id}" and kept["kind"] == "voicemail"
    assert kept["seconds"] == 4.0 and kept["smart_number"] == "+12125550100"
    out = tmp_path / "out.wav"
    provisioned("recording", "export", kept["id"], "--out", str(out))
    assert out.stat().st_size == 44 + 4 * 16000


async def test_media_ids_that_are_not_ours_are_ignored(provisioned: Run, tmp_path: Path) -> None:
    store = await SqliteStore.open(tmp_path / "sn.db")
    ctx = HandlerContext(store, lambda: NOW, routing_budget=2.0, media=tmp_path / "media")
    try:
        variables = await routed_with_voicemail(provisioned, ctx)
        write_wav(tmp_path / "media" / "recordings" / "vm-..%2f..%2fsecret.wav", 2.0)
        for hostile in ("../../secret", "0123456789abcdeg", "0123456789abcdef0"):
            await events.report(ended(Call=variables[F.CALL], Media=hostile), ctx)
    finally:
        await store.close()
    assert json.loads(provisioned("recording", "list", "--json").output) == []


def test_recording_cli_errors(provisioned: Run, tmp_path: Path) -> None:
    assert_user_error(
        provisioned("recording", "export", "vm-0", "--out", str(tmp_path / "x.wav"), ok=False),
        "no recording 'vm-0'",
    )
    assert_user_error(
        provisioned("recording", "list", "--contact", "2125550199", ok=False),
        "no contact has the number 2125550199",
    )
