"""Inbound text keywords, revocation flags and text codes (SPEC 6), table-driven."""

from __future__ import annotations

import pytest

from smartnumber.routing.texting import Keyword, code_key, is_code, keyword, reads_like_revocation

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
    ("body", "flagged"),
    [
        ("please stop texting me", True),
        ("Do not text this number again", True),
        ("remove me from your list", True),
        ("can you unsubscribe me", True),
        ("leave me alone!", True),
        ("STOP", False),  # a keyword: acted on, not flagged
        ("I can't stop thinking about the house", False),
        ("Yes, call me tomorrow", False),
    ],
)
def test_revocation_like_messages_are_flagged(body: str, flagged: bool) -> None:
    assert reads_like_revocation(body) is flagged


def test_text_codes_match_forgivingly() -> None:
    assert code_key("  House42! ") == code_key("house42") == "house42"
    assert is_code("HOUSE42") and is_code("ab")
    assert not is_code("a") and not is_code("has space") and not is_code("x" * 21)
    assert not is_code("STOP") and not is_code("help")  # keywords are not codes
