"""The incoming handler's answer: one channel variable (names.ANSWER) carrying every field.

One SET VARIABLE instead of one per field: each AGI command is a round trip that Asterisk
and the service both pay for on every call. The dialplan checks every character of the
answer, then splits it with one MSet (extensions.conf.j2, [smartnumber-route]).
"""

from __future__ import annotations

import re

from ..names import ANSWER_FIELD_CHARS, ANSWER_SEPARATOR, AnswerField

MAX_REASON = 300  # characters: with the rest, the AGI command stays under Asterisk's 2048
_FIELD = {field: re.compile(f"[{chars}]*") for field, chars in ANSWER_FIELD_CHARS.items()}
_NAME_LEFT_OUT = re.compile(f"[^{ANSWER_FIELD_CHARS[AnswerField.CALLERNAME]}]")


def encode(status: str, reason: str, **fields: str) -> str:
    """The answer: `fields` by AnswerField name (lower case), each empty when not given.
    A CNAM name loses the characters the dialplan would not show; any other field with
    a character its FILTER would drop is refused (ValueError): the dialplan would take
    the call as not routed."""
    values = {AnswerField.STATUS: status}
    for name, value in fields.items():
        field = AnswerField[name.upper()]
        if field is AnswerField.CALLERNAME:
            value = _NAME_LEFT_OUT.sub("", value)
        values[field] = value
    for field, value in values.items():
        if not _FIELD[field].fullmatch(value):
            raise ValueError(f"answer field {field.name} {value!r} has characters it may not")
    ordered = [values.get(field, "") for field in AnswerField if field is not AnswerField.REASON]
    return ANSWER_SEPARATOR.join([*ordered, " ".join(reason.splitlines())[:MAX_REASON]])


def decode(answer: str) -> dict[AnswerField, str]:
    """The fields as the dialplan splits them (for tests and benchmarks that play Asterisk)."""
    parts = answer.split(ANSWER_SEPARATOR, len(AnswerField) - 1)
    return {field: parts[field - 1] if field <= len(parts) else "" for field in AnswerField}
