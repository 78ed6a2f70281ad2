"""How Asterisk dials the phones smartnumber decides to ring (model.Ring).

An agent's endpoint is dialled as is (PJSIP/bob); a number goes through the carrier
trunk (PJSIP/+1...@trunk), or with call connect through the local context whose
answerer must press 1 first (Local/+1...@smartnumber-connect). These are the only shapes
a FastAGI handler ever hands the dialplan, which checks the characters again (FILTER)
before Dial.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Final

from ..errors import UserError
from ..model import Ring
from . import names

TARGET_RE: Final = (
    r"PJSIP/[A-Za-z0-9_.-]+"
    rf"|PJSIP/\+[0-9]{{7,15}}@{names.TRUNK}"
    rf"|Local/\+[0-9]{{7,15}}@{names.Context.CONNECT}"
)
DIAL_STRING_RE: Final = rf"^({TARGET_RE})(&({TARGET_RE}))*$"
_DIAL = re.compile(DIAL_STRING_RE)


def target(ring: Ring) -> str:
    """One dial target."""
    if ring.endpoint:
        return ring.endpoint
    if ring.number is None:
        raise ValueError("a ring needs an endpoint or a number")
    if ring.call_connect:
        return f"Local/{ring.number}@{names.Context.CONNECT}"
    return f"PJSIP/{ring.number}@{names.TRUNK}"


def dial_string(rings: Iterable[Ring]) -> str:
    """The rings as one '&'-joined Dial argument (each target once); refused unless it is
    a dial string smartnumber builds."""
    joined = "&".join(dict.fromkeys(target(r) for r in rings))
    if joined and not _DIAL.match(joined):
        raise UserError(f"refusing to dial {joined!r}: not a dial string smartnumber builds")
    return joined
