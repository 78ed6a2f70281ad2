"""The three spam detectors at their edges (SPEC 7), table-driven, clock-free."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from smartnumber.spam import bulk_optouts, carrier_filtered, repeated, unanswered
from smartnumber.spam.config import SpamConfig
from smartnumber.spam.history import OptOut, Reply, Sent, lead_day

LA = "+13105550150"  # America/Los_Angeles: UTC-8 in November
NY = "+12125550150"  # America/New_York: UTC-5
CONFIG = SpamConfig()


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=UTC)


def test_days_are_the_leads_days() -> None:
    # 07:30 UTC on the 20th is still the 19th in Los Angeles, already the 20th in New York.
    assert lead_day(at(20, 7, 30), LA).day == 19
    assert lead_day(at(20, 7, 30), NY).day == 20


OFFER = "Hi Grace, the 5th Ave flat is still available!"


@pytest.mark.parametrize(
    ("old", "new", "fires"),
    [
        (OFFER, "hi grace - the 5th ave flat is still available", True),
        (OFFER, "Hi Greta, the 5th Ave flat is still available!", True),
        (OFFER, "Hi Grace, the 6th Ave loft is listed at $2,400", False),
        ("Are you free to see it Tuesday?", "Thanks, see you at the open house on Sunday.", False),
    ],
    ids=["punctuation-and-case", "one-word-changed", "different-offer", "unrelated"],
)
def test_nearly_the_same_text_on_another_day(old: str, new: str, fires: bool) -> None:
    earlier = [Sent(at(18, 18), LA, old)]
    found = repeated.check(Sent(at(19, 18), LA, new), earlier, CONFIG)
    assert (found is not None) is fires
    if found:
        assert found.pattern == "repeated-message" and len(found.evidence) == 2


@pytest.mark.parametrize(
    ("first", "second", "fires"),
    [
        (at(20, 1), at(20, 7, 30), False),  # 17:00 and 23:30 on the 19th in LA: same day
        (at(20, 7, 30), at(20, 8, 30), True),  # 23:30 on the 19th, 00:30 on the 20th in LA
    ],
)
def test_same_text_twice_on_one_lead_day_is_not_a_repeat(
    first: datetime, second: datetime, fires: bool
) -> None:
    body = "Still interested in the house?"
    found = repeated.check(Sent(second, LA, body), [Sent(first, LA, body)], CONFIG)
    assert (found is not None) is fires


def test_another_leads_text_does_not_count() -> None:
    body = "Still interested in the house?"
    assert repeated.check(Sent(at(19, 18), LA, body), [Sent(at(18, 18), NY, body)], CONFIG) is None


def daily(lead: str, days: range, hour: int = 18) -> list[Sent]:
    return [Sent(at(d, hour), lead, f"update {d}") for d in days]


@pytest.mark.parametrize(
    ("days", "replies", "fires"),
    [
        (range(16, 19), [], False),  # 3 days in a row
        (range(16, 20), [], True),  # the 4th day fires
        (range(16, 20), [Reply(at(17, 20), LA)], False),  # they answered during the run
        (range(16, 20), [Reply(at(15, 20), LA)], True),  # an answer before the run
        (range(16, 20), [Reply(at(17, 20), NY)], True),  # someone else answered
    ],
)
def test_consecutive_days_without_a_reply(days: range, replies: list[Reply], fires: bool) -> None:
    *earlier, new = daily(LA, days)
    found = unanswered.check(new, earlier, replies, CONFIG)
    assert (found is not None) is fires


def test_a_skipped_day_breaks_the_run() -> None:
    *earlier, new = [*daily(LA, range(14, 16)), *daily(LA, range(17, 20))]  # no text on the 16th
    assert unanswered.check(new, earlier, [], CONFIG) is None


def test_the_run_is_counted_in_the_leads_days() -> None:
    # 06:00 UTC is the previous evening in Los Angeles: four UTC days, three LA days.
    sends = [Sent(at(17, 6), LA, "a"), Sent(at(17, 20), LA, "b"), Sent(at(18, 20), LA, "c")]
    new = Sent(at(19, 20), LA, "d")
    assert unanswered.check(new, sends, [], CONFIG) is not None  # 16th, 17th, 18th, 19th
    assert unanswered.check(new, sends[1:], [], CONFIG) is None


def leads(n: int) -> list[str]:
    return [f"+1310555{i:04d}" for i in range(n)]


@pytest.mark.parametrize(
    ("texted", "quit", "fires"),
    [
        (10, 4, False),  # 4 opt-outs, batch too small for the rate
        (10, 5, True),  # 5 opt-outs
        (20, 2, True),  # 10% of 20
        (21, 2, False),  # under 10% of 21
        (19, 2, False),  # 10.5% but the batch is under 20
    ],
)
def test_bulk_opt_outs_after_mass_texting(texted: int, quit: int, fires: bool) -> None:
    numbers = leads(texted)
    sends = [
        Sent(at(19, 15) + timedelta(seconds=i), n, "Open house Sunday!")
        for i, n in enumerate(numbers)
    ]
    outs = [OptOut(at(19, 18), n) for n in numbers[:quit]]
    *earlier, new = [*sends, Sent(at(20, 9), numbers[0], "Last call!")]
    found = bulk_optouts.check(new, earlier, outs, CONFIG)
    assert (found is not None) is fires


def test_opt_outs_before_the_texts_or_outside_the_window_do_not_count() -> None:
    numbers = leads(6)
    sends = [Sent(at(19, 15), n, "Open house!") for n in numbers]
    outs = [OptOut(at(19, 14), n) for n in numbers]  # before they were texted
    assert bulk_optouts.check(sends[-1], sends[:-1], outs, CONFIG) is None
    late = Sent(at(22, 15), numbers[0], "again")  # the texts are out of the 48 h window
    assert bulk_optouts.check(late, sends, [OptOut(at(21, 9), n) for n in numbers], CONFIG) is None


def test_carrier_filtering_fires_at_the_count_within_the_window_edges_included() -> None:
    """Three texts filtered as spam within 7 days fire (the window's both edges in);
    one a second older, or a filtered text after the new one, does not count; the
    evidence is listed oldest first."""
    new = Sent(at(20, 12), LA, "Open house")
    edge = new.at - timedelta(days=7)
    inside = [Sent(new.at, NY, ""), Sent(at(18, 9), LA, ""), Sent(edge, LA, "")]
    found = carrier_filtered.check(new, inside, CONFIG)
    assert found is not None and found.pattern == "carrier-spam-filter"
    assert [e.at for e in found.evidence] == sorted(f.at for f in inside)
    assert "3 of the agent's texts as spam in the last 7 days" in found.summary
    older = [*inside[:2], Sent(edge - timedelta(seconds=1), LA, "")]
    assert carrier_filtered.check(new, older, CONFIG) is None
    later = [*inside[1:], Sent(new.at + timedelta(seconds=1), LA, "")]
    assert carrier_filtered.check(new, later, CONFIG) is None
    assert carrier_filtered.check(new, inside[:2], CONFIG) is None  # 2 < 3


def test_bulk_opt_outs_count_from_each_leads_first_text_to_now() -> None:
    """The window's edge is in; an opt-out exactly when the lead was texted counts, one
    after the new text does not; the evidence is oldest first and names the batch."""
    numbers = leads(5)
    new = Sent(at(21, 15), numbers[0], "Last call!")
    edge = new.at - timedelta(hours=48)
    sends = [Sent(edge, n, "Open house!") for n in numbers]
    outs = [OptOut(edge + timedelta(minutes=5 - i), n) for i, n in enumerate(numbers[1:])]
    outs.append(OptOut(edge, numbers[0]))  # the moment it was texted
    found = bulk_optouts.check(new, sends, outs, CONFIG)
    assert found is not None and found.pattern == "bulk-opt-outs"
    assert [e.at for e in found.evidence] == sorted(o.at for o in outs)
    assert found.summary.startswith("5 of the 5 leads texted in the last 48 h opted out (100%)")
    too_late = [*outs[1:], OptOut(new.at + timedelta(seconds=1), numbers[0])]
    assert bulk_optouts.check(new, sends, too_late, CONFIG) is None
    out_of_window = [Sent(edge - timedelta(seconds=1), n, "Open house!") for n in numbers]
    assert bulk_optouts.check(new, out_of_window, outs, CONFIG) is None


def test_spam_config_reads_every_setting() -> None:
    values = {
        "spam.similarity": "0.9", "spam.unanswered_days": "5", "spam.optout_window_hours": "24",
        "spam.optout_count": "7", "spam.optout_rate": "0.2", "spam.optout_batch": "30",
        "spam.carrier_filtered_count": "4", "spam.carrier_filtered_days": "3",
    }  # fmt: skip
    assert SpamConfig.from_settings(values) == SpamConfig(
        similarity=0.9, unanswered_days=5, optout_window_hours=24, optout_count=7,
        optout_rate=0.2, optout_batch=30, carrier_filtered_count=4, carrier_filtered_days=3,
    )  # fmt: skip
