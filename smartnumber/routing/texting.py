"""What an inbound text is, before anything is done about it (SPEC 6). Pure functions.

A whole message that is one of the carrier-standard keywords (any case, surrounding
spaces and punctuation ignored) opts out, opts back in, or asks for help. A longer
message that reads like a revocation is only flagged for the agent. Text codes are
compared the same forgiving way.
"""

from __future__ import annotations

import re
import unicodedata
from enum import StrEnum

MAX_TEXT_CHARS = 1600  # ten SMS segments: longer is refused, not split silently


class Keyword(StrEnum):
    OPT_OUT = "opt-out"
    OPT_IN = "opt-in"
    HELP = "help"


_KEYWORDS = {
    **{
        w: Keyword.OPT_OUT
        for w in (
            "STOP",
            "STOPALL",
            "STOP ALL",
            "UNSUBSCRIBE",
            "CANCEL",
            "END",
            "QUIT",
            "REVOKE",
            "OPTOUT",
            "OPT OUT",
            "OPT-OUT",
        )
    },
    **{w: Keyword.OPT_IN for w in ("START", "UNSTOP", "YES")},
    **{w: Keyword.HELP for w in ("HELP", "INFO")},
}

_REVOCATION = re.compile(
    r"\b(stop|quit|cease)\s+(texting|messaging|contacting|sending|calling)\b"
    r"|\b(unsubscribe|opt\s*-?\s*out)\b"
    r"|\b(don'?t|do\s+not|never)\s+(text|message|contact|call)\b"
    r"|\bremove\s+(me|my\s+number)\b"
    r"|\bleave\s+me\s+alone\b",
    re.IGNORECASE,
)


# Stripped from both ends: spaces, punctuation and symbols (emoji included).
_EDGES = re.compile(r"^[\W_]+|[\W_]+$")


def _squeeze(text: str) -> str:
    """Surrounding spaces, punctuation and symbols gone; inner runs of spaces made one."""
    return _EDGES.sub("", " ".join(unicodedata.normalize("NFKC", text).split()))


def keyword(body: str) -> Keyword | None:
    """The keyword this whole message is, if it is one."""
    return _KEYWORDS.get(_squeeze(body).upper())


def reads_like_revocation(body: str) -> bool:
    """A longer message asking not to be texted: flagged for the agent, not acted on."""
    return keyword(body) is None and bool(_REVOCATION.search(body))


def code_key(text: str) -> str:
    """How a text code is stored and matched: case-folded, surrounding spaces and
    punctuation ignored."""
    return _squeeze(text).casefold()


def is_code(text: str) -> bool:
    """A text code an admin may create: 2-20 ASCII letters or digits, not a keyword."""
    word = text.strip()
    return bool(re.fullmatch(r"[0-9A-Za-z]{2,20}", word)) and keyword(word) is None


def forwarded(name: str, number: str, body: str) -> str:
    """The text an agent's cell receives for a contact's message."""
    return f"{name} ({number}): {body}"
