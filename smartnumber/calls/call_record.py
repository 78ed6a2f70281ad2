"""What a routed call writes once Asterisk has its answer, and its copy in the CDR.

The incoming handler answers first and writes after (call_writer.py): the lead, the
timeline entry and the call.routed event are not on the caller's way to ringing. So
that a service stopped in between loses nothing, the answer also hands Asterisk this
record, compressed and base64url-encoded (only letters, digits, '-' and '_'); the
dialplan keeps it in the call's CDR, and the reconciler writes any call the store does
not have from there (reconcile.py).
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import zlib
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from ..routing.inbound import RouteDecision, Rule, Strategy

KEY_PREFIX = "k"  # a reference k<key>: the call's call_key, not an entry id
KEY_REFERENCE = re.compile(rf"^{KEY_PREFIX}([0-9a-f]{{16}})$")
MAX_TEXT = 1100  # characters of the CDR copy: the whole AGI line stays under 2048 bytes
VERSION = 1


def reference_of_key(call_key: str) -> str:
    """The reference a call written down later carries through Asterisk."""
    return f"{KEY_PREFIX}{call_key}"


def is_reference(text: str) -> bool:
    return text.isdigit() or bool(KEY_REFERENCE.match(text))


@dataclass(frozen=True)
class CallToRecord:
    call_key: str  # 16 hex digits: the call's reference is k<key> (outcomes.py)
    number_id: int
    number_e164: str
    caller: str | None  # E.164, or None for a caller ID that is not a number
    at: datetime
    decision: RouteDecision
    media_id: str = ""  # names its recording and voicemail files, when either is on

    def as_text(self) -> str:
        """The copy for Asterisk's CDR; '' when even a shortened one would be too long."""
        for record in (self, self._shortened()):
            text = _encode(record._as_dict())
            if len(text) <= MAX_TEXT:
                return text
        return ""

    @classmethod
    def from_text(cls, text: str) -> CallToRecord | None:
        """The record a CDR copy holds; None for anything that is not one."""
        try:
            packed = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
            raw = json.loads(zlib.decompress(packed))
            if raw.get("v") != VERSION:
                return None
            d = raw["d"]
            decision = RouteDecision(
                **d
                | {
                    "rule": Rule(d["rule"]),
                    "strategy": Strategy(d["strategy"]),
                    "agent_ids": tuple(int(i) for i in d["agent_ids"]),
                    "agents": tuple(str(a) for a in d["agents"]),
                    "ambiguous_contacts": tuple(d["ambiguous_contacts"]),
                    "reason": str(d["reason"]),
                }
            )
            return cls(
                call_key=str(raw["k"]),
                number_id=int(raw["n"]),
                number_e164=str(raw["e"]),
                caller=raw["c"],
                at=datetime.fromisoformat(raw["t"]),
                decision=decision,
                media_id=str(raw["m"]),
            )
        except (ValueError, KeyError, TypeError, zlib.error, binascii.Error):
            return None

    def _as_dict(self) -> dict[str, Any]:
        return {
            "v": VERSION,
            "k": self.call_key,
            "n": self.number_id,
            "e": self.number_e164,
            "c": self.caller,
            "t": self.at.isoformat(),
            "m": self.media_id,
            "d": dict(vars(self.decision)),  # its enums are strings, its tuples lists
        }

    def _shortened(self) -> CallToRecord:
        short = replace(self.decision, ambiguous_contacts=(), reason=self.decision.reason[:120])
        return replace(self, decision=short)


def _encode(data: dict[str, Any]) -> str:
    packed = zlib.compress(json.dumps(data, separators=(",", ":")).encode(), 9)
    return base64.urlsafe_b64encode(packed).decode().rstrip("=")
