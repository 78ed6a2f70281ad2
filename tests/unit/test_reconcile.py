"""Reconciling calls from Asterisk's records when the hangup handler's report never came:
the CDR lines cdr_custom writes, and audio files no entry knows of."""

from __future__ import annotations

import json
import os
import time
from functools import partial
from pathlib import Path

from smartnumber import media
from smartnumber.asterisk import cdr, events
from smartnumber.asterisk.agi.context import HandlerContext
from smartnumber.asterisk.names import AnswerField as F
from smartnumber.calls import inbound, reconcile
from tests.unit.conftest import Run
from tests.unit.test_media import write_wav
from tests.unit.test_outcomes import NOW, ctx, ended, route_a_call

__all__ = ["ctx"]  # the fixture, shared with test_outcomes


def write_cdr(path: Path, *rows: tuple[str, str, str, str, str]) -> None:
    """Lines as cdr_custom.conf's mapping writes them: call, media, disposition, billsec,
    dstchannel, uniqueid, end."""
    with path.open("a") as out:
        for row in rows:
            out.write(",".join(f'"{v}"' for v in (*row, "1700.1", "2026-11-20 12:01:00")) + "\n")


def test_the_cdr_is_read_once_whole_lines_at_a_time(tmp_path: Path) -> None:
    path = tmp_path / "smartnumber.csv"
    write_cdr(path, ("7", "", "NO ANSWER", "0", "PJSIP/bob-01"), ("", "", "ANSWERED", "9", "x"))
    with path.open("a") as out:
        out.write('"8","","ANSWERED"')  # a line still being written
    lines, offset = cdr.read_lines(path, None)
    assert [(x.call, x.disposition) for x in lines] == [("7", "NO ANSWER")]  # ours only
    assert cdr.read_lines(path, offset)[0] == []  # read once
    with path.open("a") as out:
        out.write(',"12","PJSIP/alice-02","u","e"\n')
    [line] = cdr.read_lines(path, offset)[0]
    assert (line.call, line.billsec, line.dstchannel) == ("8", 12, "PJSIP/alice-02")
    path.unlink()  # rotated: the new file is read from its start
    write_cdr(path, ("9", "", "BUSY", "0", "PJSIP/bob-03"))
    assert [x.call for x in cdr.read_lines(path, offset)[0]] == ["9"]


def test_the_outcome_is_the_answered_leg_else_the_last() -> None:
    def line(disposition: str, billsec: int, channel: str) -> cdr.CdrLine:
        return cdr.CdrLine("7", "", disposition, billsec, channel)

    answered = cdr.outcome_of(
        [line("NO ANSWER", 0, "PJSIP/bob-1"), line("ANSWERED", 42, "PJSIP/alice-2")]
    )
    assert answered is not None
    # Answered on PJSIP/alice-2: by Alice's endpoint, for 42 s.
    assert (answered.status, answered.answered_endpoint, answered.talk_seconds) == (
        "ANSWER", "PJSIP/alice", 42,
    )  # fmt: skip
    missed = cdr.outcome_of([line("NO ANSWER", 0, "PJSIP/bob-1")])
    assert missed is not None and missed.status == "NOANSWER"
    assert cdr.outcome_of([line("NO ANSWER", 0, "")]) is None  # nobody was dialled


async def test_a_call_whose_report_was_lost_is_completed_from_the_cdr(
    provisioned: Run, ctx: HandlerContext, tmp_path: Path
) -> None:
    provisioned("contact", "add", "Ann", "--phone", "2125550150")
    call = (await route_a_call(ctx))[F.CALL]
    path = tmp_path / "smartnumber.csv"
    write_cdr(path, (call, "", "ANSWERED", "33", "PJSIP/alice-0000002a"))
    done = await reconcile.from_cdr(ctx.store, partial(cdr.read, path), tmp_path / "media", NOW)
    assert done.calls == 1
    [entry] = json.loads(provisioned("timeline", "2125550150", "--json").output)
    assert (entry["agent"], entry["detail"]["status"], entry["detail"]["talk_seconds"]) == (
        "Alice", "answered", 33,
    )  # fmt: skip
    assert entry["detail"]["outcome_from"] == "cdr"
    # The hangup handler's report, late: the call keeps its outcome (once only).
    await events.report(ended(Call=call, DialStatus="NOANSWER"), ctx)
    [entry] = json.loads(provisioned("timeline", "2125550150", "--json").output)
    assert entry["detail"]["status"] == "answered"
    assert (
        await reconcile.from_cdr(ctx.store, partial(cdr.read, path), tmp_path / "media", NOW)
    ).calls == 0


async def test_audio_nobody_kept_is_put_on_its_calls_timeline(
    provisioned: Run, ctx: HandlerContext, tmp_path: Path
) -> None:
    provisioned("contact", "add", "Ann", "--phone", "2125550150")
    provisioned("number", "config", "+12125550100", "--voicemail")
    variables = await route_a_call(ctx)
    media_dir = tmp_path / "media"
    voicemail = media.recording_dir(media_dir) / f"vm-{variables[F.MEDIA_ID]}.wav"
    write_wav(voicemail, 2.0, rate=8000, channels=1)
    fresh = media.recording_dir(media_dir) / "rec-00000000000000aa.wav"
    write_wav(fresh, 1.0, rate=8000, channels=1)
    old = time.time() - 120
    os.utime(voicemail, (old, old))  # finished long ago; `fresh` may still be written to
    done = await reconcile.from_media(ctx.store, media_dir, NOW)
    assert done.recordings == 1
    [kept] = json.loads(provisioned("recording", "list", "--json").output)
    assert kept["id"] == voicemail.stem and kept["contact"] == "Ann" and kept["seconds"] > 1.5
    assert (await reconcile.from_media(ctx.store, media_dir, NOW)).recordings == 0  # once


async def test_each_nodes_cdr_keeps_its_own_reading_position(
    provisioned: Run, ctx: HandlerContext, tmp_path: Path
) -> None:
    """Two services (two Asterisk nodes) sharing the database read their own CDR files:
    neither moves the other's position, so neither re-reads its file each time."""
    provisioned("contact", "add", "Ann", "--phone", "2125550150")
    first, second = (await route_a_call(ctx))[F.CALL], (await route_a_call(ctx))[F.CALL]
    here, there = tmp_path / "a" / "smartnumber.csv", tmp_path / "b" / "smartnumber.csv"
    for path, call in ((here, first), (there, second)):
        path.parent.mkdir()
        write_cdr(path, (call, "", "ANSWERED", "33", "PJSIP/alice-0000002a"))
    positions = [reconcile.node_key(reconcile.CDR_OFFSET, p) for p in (here, there)]
    assert positions[0] != positions[1]
    for expected_lines in (1, 0):  # then, read again, nothing new on either
        for path, position in zip((here, there), positions, strict=True):
            done = await reconcile.from_cdr(
                ctx.store, partial(cdr.read, path), tmp_path / "media", NOW, position=position
            )
            # one shared position: each read would find the other file's, start over
            assert done.lines == expected_lines


async def test_a_call_the_service_answered_but_never_wrote_is_written_from_its_cdr(
    provisioned: Run, ctx: HandlerContext, tmp_path: Path
) -> None:
    """The service answers first and writes right after: stopped in between, the call is
    written from the copy its answer left in the CDR, then completed -- once."""
    provisioned("contact", "add", "Ann", "--phone", "2125550150")
    async with ctx.store.snapshot() as repo:
        routed = await inbound.plan_call(repo, "+12125550100", "+12125550150", NOW)
    assert routed.to_record is not None  # never handed to a writer: as if the service died
    path = tmp_path / "smartnumber.csv"
    row = (routed.reference, "", "ANSWERED", "21", "PJSIP/alice-0000002a", "1700.3", "e")
    with path.open("a") as out:
        out.write(",".join(f'"{v}"' for v in (*row, routed.to_record.as_text())) + "\n")

    asked: list[str] = []

    async def writer_done_with(call_key: str) -> None:  # the service's writer, never given it
        asked.append(call_key)

    done = await reconcile.from_cdr(
        ctx.store, partial(cdr.read, path), tmp_path / "media", NOW, written=writer_done_with
    )
    assert asked == [routed.to_record.call_key] and done.calls == 1
    [entry] = json.loads(provisioned("timeline", "2125550150", "--json").output)
    assert entry["agent"] == "Alice" and entry["detail"]["status"] == "answered"
    assert entry["detail"]["decision"] == routed.decision.as_dict()
    assert entry["detail"]["outcome_from"] == "cdr"
    again = await reconcile.from_cdr(
        ctx.store, partial(cdr.read, path), tmp_path / "media", NOW, position="again"
    )
    assert again.calls == 0  # read again: written once, finished once
    assert len(json.loads(provisioned("timeline", "2125550150", "--json").output)) == 1
