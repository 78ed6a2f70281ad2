"""Reading sipp's message trace: who sent what when, and post-dial delay per call."""

from __future__ import annotations

from pathlib import Path

from smartnumber.demo.sipp import SippParty, one_line, parse_trace, post_dial_delays

TRACE = """\
----------------------------------------------- 2026-11-24 00:52:18.949306
UDP message sent (488 bytes):

INVITE sip:100@127.0.0.21:5090 SIP/2.0
Call-ID: 1-1@127.0.0.22
CSeq: 1 INVITE
From: <sip:+12125550150@127.0.0.22:5091>;tag=1

v=0

----------------------------------------------- 2026-11-24 00:52:18.949906
UDP message received [305] bytes :

SIP/2.0 100 Trying
Call-ID: 1-1@127.0.0.22
CSeq: 1 INVITE

----------------------------------------------- 2026-11-24 00:52:18.953306
UDP message received [305] bytes :

SIP/2.0 180 Ringing
Call-ID: 1-1@127.0.0.22
CSeq: 1 INVITE

----------------------------------------------- 2026-11-24 00:52:18.960000
UDP message received [305] bytes :

SIP/2.0 200 OK
Call-ID: 1-1@127.0.0.22
CSeq: 1 INVITE

----------------------------------------------- 2026-11-24 00:52:19.000000
UDP message sent (300 bytes):

INVITE sip:100@127.0.0.21:5090 SIP/2.0
Call-ID: 2-1@127.0.0.22
CSeq: 1 INVITE

----------------------------------------------- 2026-11-24 00:52:19.010500
UDP message received [305] bytes :

SIP/2.0 200 OK
Call-ID: 2-1@127.0.0.22
CSeq: 1 INVITE
"""


def test_messages_carry_direction_and_time() -> None:
    messages = parse_trace(TRACE)
    assert [(m.first_line.split()[1], m.sent) for m in messages][:3] == [
        ("sip:100@127.0.0.21:5090", True),
        ("100", False),
        ("180", False),
    ]
    assert messages[0].method == "INVITE" and messages[0].status is None
    assert messages[2].status == 180
    assert messages[0].headers["from"].startswith("<sip:+12125550150@")
    assert (messages[0].to_user, messages[0].from_user) == ("100", "+12125550150")


def test_post_dial_delay_is_invite_to_first_ringing_or_answer() -> None:
    delays = [round(d * 1000, 3) for d in post_dial_delays(parse_trace(TRACE))]
    assert delays == [4.0, 10.5]  # 100 Trying does not count; call 2 had no 180


def test_what_a_party_printed_starts_at_its_last_scenario_screen(tmp_path: Path) -> None:
    """The message counts (where a call stopped) come with the statistics, however long
    the statistics screen is, and earlier screens are left out."""
    screen = (
        "------------------------------ Scenario Screen -------- [1-9]: Change Screen --\n"
        "      INVITE ---------->         1         0         0\n"
        "         {count} <----------         1         0         0         0\n"
    )
    statistics = (
        "----------------------------- Statistics Screen -------\n" + ("x" * 70 + "\n") * 40
    )
    party = SippParty(
        name="caller1",
        scenario=tmp_path / "caller.xml",
        address="127.0.0.2",
        port=5060,
        workdir=tmp_path,
    )
    party.output_file.write_text(
        "Resolving remote host...\n"
        + screen.format(count=180)
        + statistics
        + screen.format(count=100)
        + statistics
    )

    printed = party.printed()

    assert printed.startswith("-" * 30 + " Scenario Screen")
    assert "100 <----------" in printed and "180 <----------" not in printed
    assert printed.endswith(statistics)


def test_a_screen_on_one_line_keeps_its_lines_apart_and_drops_rules() -> None:
    screen = (
        "------------------------------ Scenario Screen -------- [1-9]: Change Screen --\n"
        "\n"
        "  ----------> INVITE             0         0         0         1\n"
        "  <---------- 180                0         0\n"
        "------------------------------ Test Terminated --------------------------------\n"
    )
    said = one_line(screen)
    assert said == (
        "----------> INVITE             0         0         0         1 / "
        "<---------- 180                0         0"
    )
    assert "\n" not in said and one_line("x" * 500, limit=10) == "x" * 10
