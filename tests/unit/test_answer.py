"""The incoming handler's one-variable answer: what the dialplan splits and checks."""

from __future__ import annotations

import re

import pytest

from smartnumber.asterisk.agi import answer
from smartnumber.asterisk.names import (
    ANSWER_CHARS,
    ANSWER_FIELD_CHARS,
    ANSWER_SEPARATOR,
    AnswerField,
)


def chars_of(filter_set: str) -> set[str]:
    """The characters a FILTER() set lets through (its ranges spelt out)."""
    allowed = re.compile(f"[{filter_set}]")
    return {chr(c) for c in range(32, 127) if allowed.fullmatch(chr(c))}


def test_the_dialplans_first_check_lets_every_fields_characters_through() -> None:
    everything = chars_of(ANSWER_CHARS)
    for field, chars in ANSWER_FIELD_CHARS.items():
        assert chars_of(chars) <= everything, field
        assert ANSWER_SEPARATOR not in chars_of(chars), field  # it would shift the fields
    # Nothing that MSet, FILTER or an expression would read as syntax gets past it.
    assert not everything & set(",\"\\()[]${}|;:?=<>!'`")


def test_fields_come_back_in_their_places() -> None:
    said = answer.encode(
        "OK", "Bob had the call^; then, (more)", dial="PJSIP/bob&PJSIP/+12125550101@trunk",
        timeout="30", call="k0123456789abcdef", callername="O'Brien Realty, Inc.",
    )  # fmt: skip
    fields = answer.decode(said)
    assert fields[AnswerField.STATUS] == "OK"
    assert fields[AnswerField.DIAL] == "PJSIP/bob&PJSIP/+12125550101@trunk"
    assert fields[AnswerField.CALLERNAME] == "OBrien Realty Inc."  # what FILTER shows
    assert fields[AnswerField.REASON] == "Bob had the call^; then, (more)"
    assert fields[AnswerField.FORWARD] == "" and fields[AnswerField.CALL] == "k0123456789abcdef"


@pytest.mark.parametrize(
    ("field", "value"),
    [("dial", "PJSIP/bob,1,G(x)"), ("timeout", "30s"), ("media_id", "../x"), ("dial", "a^b")],
)
def test_a_field_the_dialplan_would_refuse_is_never_sent(field: str, value: str) -> None:
    with pytest.raises(ValueError, match=field.upper()):
        answer.encode("OK", "why", **{field: value})


def test_a_reason_stays_one_line() -> None:
    assert answer.decode(answer.encode("FALLBACK", "a\nb"))[AnswerField.REASON] == "a b"
