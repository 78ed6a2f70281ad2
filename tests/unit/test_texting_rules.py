"""Inbound text keywords, revocations and text codes (SPEC 6), table-driven."""

from __future__ import annotations

import pytest

from smartnumber.routing.texting import (
    Keyword,
    TextAction,
    TextDecision,
    TextFacts,
    code_key,
    decide,
    is_code,
    keyword,
)

OPT_OUT = ["STOP", "STOPALL", "STOP ALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "REVOKE",
           "OPTOUT", "OPT OUT", "OPT-OUT"]  # fmt: skip


@pytest.mark.parametrize("word", OPT_OUT)
@pytest.mark.parametrize("shape", ["{}", "{l}", "  {t}.  ", "{}!!!", "'{l}'", "{} 🛑"])
def test_every_opt_out_word_in_any_case_with_punctuation(word: str, shape: str) -> None:
    body = shape.format(word, l=word.lower(), t=word.title())
    assert keyword(body) is Keyword.OPT_OUT


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("start", Keyword.OPT_IN),
        ("Unstop!", Keyword.OPT_IN),
        ("yes", Keyword.OPT_IN),
        ("HELP?", Keyword.HELP),
        ("info", Keyword.HELP),
        ("stop  all", Keyword.OPT_OUT),  # inner spaces squeezed
        ("please stop", None),  # not the whole message
        ("STOP texting me", None),
        ("stopp", None),
        ("", None),
    ],
)
def test_keywords_are_whole_messages(body: str, expected: Keyword | None) -> None:
    assert keyword(body) is expected


@pytest.mark.parametrize(
    ("body", "action", "flagged"),
    [
        ("please stop texting me", TextAction.KEYWORD, False),  # acted on: an opt-out
        ("Do not text this number again", TextAction.KEYWORD, False),
        ("remove me from your list", TextAction.KEYWORD, False),
        ("leave me alone!", TextAction.KEYWORD, False),
        ("no me escriban más", TextAction.KEYWORD, False),
        ("I want to stop", TextAction.FORWARD_CONTACT, True),  # maybe: flagged, held
        ("not interested", TextAction.FORWARD_CONTACT, True),
        ("I can't stop thinking about the house", TextAction.FORWARD_CONTACT, False),
        ("Yes, call me tomorrow", TextAction.FORWARD_CONTACT, False),
    ],
)
def test_a_contacts_text_that_asks_to_stop_opts_out_and_one_that_may_is_flagged(
    body: str, action: TextAction, flagged: bool
) -> None:
    decision = decide(TextFacts(body, False, False, True, owner_agent_id=7))
    assert (decision.action, decision.flagged) == (action, flagged)
    if action is TextAction.KEYWORD:
        assert decision.keyword is Keyword.OPT_OUT and decision.rule
    assert bool(decision.rule) == (action is TextAction.KEYWORD or flagged)


def test_a_text_code_is_a_code_even_when_it_is_a_word_of_stopping() -> None:
    facts = TextFacts("OFF", False, True, True, owner_agent_id=7)
    assert decide(facts).action is TextAction.CODE_FROM_CONTACT
    assert decide(TextFacts("OFF", False, False, True)).keyword is Keyword.OPT_OUT


def test_text_codes_match_forgivingly() -> None:
    assert code_key("  House42! ") == code_key("house42") == "house42"
    assert is_code("HOUSE42") and is_code("ab")
    assert not is_code("a") and not is_code("has space") and not is_code("x" * 21)
    assert not is_code("STOP") and not is_code("help")  # keywords are not codes


# Every branch of decide(), the whole decision each time: who gets it, and what is flagged.
DECISIONS = [
    ("from an agent's own cell", TextFacts("hi", True, False, True, owner_agent_id=7),
     TextDecision(TextAction.NOT_DELIVERED)),
    ("a keyword, whoever sends it", TextFacts("HELP", False, True, True, owner_agent_id=7),
     TextDecision(TextAction.KEYWORD, keyword=Keyword.HELP)),
    ("a text code from a contact", TextFacts("HOUSE42", False, True, True, code_agent_id=3),
     TextDecision(TextAction.CODE_FROM_CONTACT)),
    ("a text code from a stranger: the code's agent",
     TextFacts("HOUSE42", False, True, False, code_agent_id=3, routed_agent_id=8),
     TextDecision(TextAction.CODE_NEW_LEAD, agent_id=3)),
    ("a text code whose agent is inactive: whom routing picks",
     TextFacts("HOUSE42", False, True, False, routed_agent_id=8),
     TextDecision(TextAction.CODE_NEW_LEAD, agent_id=8)),
    ("an admin's own phrase revokes",
     TextFacts("pineapple express", False, False, True, owner_agent_id=7, phrases=("pineapple",)),
     TextDecision(TextAction.KEYWORD, keyword=Keyword.OPT_OUT, rule="admin phrase 'pineapple'")),
    ("a contact's doubtful text: to the owner, flagged",
     TextFacts("not interested", False, False, True, owner_agent_id=7, routed_agent_id=8),
     TextDecision(TextAction.FORWARD_CONTACT, agent_id=7, flagged=True,
                  rule="the word 'not interested'")),
    ("a contact without an active owner: whom routing picks",
     TextFacts("Is the loft still available?", False, False, True, routed_agent_id=8),
     TextDecision(TextAction.FORWARD_CONTACT, agent_id=8)),
    ("a stranger's doubtful text: whom routing picks, flagged",
     TextFacts("not interested", False, False, False, owner_agent_id=7, routed_agent_id=8),
     TextDecision(TextAction.FORWARD_UNKNOWN, agent_id=8, flagged=True,
                  rule="the word 'not interested'")),
    ("a stranger's ordinary text",
     TextFacts("Is the loft still available?", False, False, False, routed_agent_id=8),
     TextDecision(TextAction.FORWARD_UNKNOWN, agent_id=8)),
]  # fmt: skip


@pytest.mark.parametrize(
    ("facts", "expected"), [c[1:] for c in DECISIONS], ids=[c[0] for c in DECISIONS]
)
def test_every_rule_of_an_inbound_text_decides_all_of_it(
    facts: TextFacts, expected: TextDecision
) -> None:
    assert decide(facts) == expected
