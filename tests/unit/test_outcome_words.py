"""Call outcomes in plain words (calls/outcome_words.py): one name per outcome, the
same on the timeline, in the CLI and in call.ended, and a sentence for each (issue 23)."""

from __future__ import annotations

import pytest

from smartnumber.app import views
from smartnumber.calls import outcome_words


@pytest.mark.parametrize(
    ("status", "outcome", "sentence"),
    [
        ("ANSWER", "answered", "Pat Doe answered; Dana Diaz talked with them for 4 s"),
        ("NOANSWER", "no-answer", "Pat Doe did not answer"),
        ("BUSY", "busy", "Pat Doe's line was busy"),
        ("CHANUNAVAIL", "unreachable", "Pat Doe could not be reached (the trunk or their"),
        ("CONGESTION", "unreachable", "Pat Doe could not be reached"),
        ("CANCEL", "hung-up-early", "Dana Diaz hung up before Pat Doe answered"),
        ("", "missed", "Pat Doe was not reached (no status from Asterisk)"),
    ],
)
def test_a_click_to_calls_contact_leg_in_words(status: str, outcome: str, sentence: str) -> None:
    said = outcome_words.click_to_call(status, agent="Dana Diaz", contact="Pat Doe", talk_seconds=4)
    assert said.outcome == outcome and said.sentence.startswith(sentence)


@pytest.mark.parametrize(
    ("status", "sentence"),
    [
        ("ANSWER", "answered by Bob Baker, 2 min 5 s"),
        ("NOANSWER", "nobody answered (rang Bob Baker, Carol Chen)"),
        ("BUSY", "busy (rang Bob Baker, Carol Chen)"),
        ("CANCEL", "the caller hung up before anyone answered (rang Bob Baker, Carol Chen)"),
    ],
)
def test_an_inbound_call_names_whom_it_rang(status: str, sentence: str) -> None:
    said = outcome_words.inbound(
        status, answered_by="Bob Baker", rang=["Bob Baker", "Carol Chen"], talk_seconds=125
    )
    assert said.sentence == sentence


def test_the_timeline_shows_the_sentence_and_no_empty_parentheses() -> None:
    missed = outcome_words.agent_missed("Dana Diaz", "the agent's phone could not be reached")
    line = views.summary("call", {"status": "agent missed", "said": missed.sentence})
    assert line == (
        "Dana Diaz did not take the call (the agent's phone could not be reached);"
        " nobody else was rung"
    )
    old = views.summary("call", {"status": "agent missed", "agent": "Dana", "reason": "gone"})
    assert old == "agent missed: Dana (gone)"  # entries written before: no "(: ...)"


def test_the_timeline_names_whom_a_missed_call_rang_in_its_agent_column() -> None:
    missed = {"status": "missed", "decision": {"agents": ["Bob Baker", "Carol Chen"]}}
    assert views.who_rang("call", missed) == "rang Bob Baker, Carol Chen"
    assert views.who_rang("call", missed | {"status": "answered"}) is None
    assert views.who_rang("call", {"status": "missed", "decision": {"agents": []}}) is None
    assert views.who_rang("text", missed) is None
