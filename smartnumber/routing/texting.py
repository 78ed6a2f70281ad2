"""What an inbound text is, before anything is done about it (SPEC 6). Pure functions.

A whole message that is one of the carrier-standard keywords (any case, surrounding
spaces and punctuation ignored) opts out, opts back in, or asks for help. Any other
message that clearly asks to stop (revocation.py) opts out too; one that might is
forwarded, flagged, and holds the agent's next text. Text codes are compared the same
forgiving way.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from enum import StrEnum

from . import revocation
from .revocation import Verdict

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

# Stripped from both ends: spaces, punctuation and symbols (emoji included).
_EDGES = re.compile(r"^[\W_]+|[\W_]+$")


def _squeeze(text: str) -> str:
    """Surrounding spaces, punctuation and symbols gone; inner runs of spaces made one."""
    return _EDGES.sub("", " ".join(unicodedata.normalize("NFKC", text).split()))


def keyword(body: str) -> Keyword | None:
    """The keyword this whole message is, if it is one."""
    return _KEYWORDS.get(_squeeze(body).upper())


def code_key(text: str) -> str:
    """How a text code is stored and matched: case-folded, surrounding spaces and
    punctuation ignored."""
    return _squeeze(text).casefold()


def is_code(text: str) -> bool:
    """A text code an admin may create: 2-20 ASCII letters or digits, not a keyword."""
    word = text.strip()
    return bool(re.fullmatch(r"[0-9A-Za-z]{2,20}", word)) and keyword(word) is None


def forwarded(name: str, number: str, body: str) -> str:
    """The text an agent's cell receives for a contact's message: at most
    MAX_TEXT_CHARS, a longer message cut with a word of how much is left out (the whole
    is on the timeline)."""
    whole = f"{name} ({number}): {body}"
    if len(whole) <= MAX_TEXT_CHARS:
        return whole
    cut = MAX_TEXT_CHARS - 48  # room for the note, whatever the count
    return whole[:cut] + f" [+{len(whole) - cut} characters on the timeline]"


# -- what to do with an inbound text -------------------------------------------------------


class TextAction(StrEnum):
    NOT_DELIVERED = "not-delivered"  # an agent's own cell: the number cannot text itself
    KEYWORD = "keyword"  # opt-out, opt-in or help, answered with a confirmation
    CODE_FROM_CONTACT = "code-from-contact"  # a text code from a known contact: the reply
    CODE_NEW_LEAD = "code-new-lead"  # a text code from a new number: a lead, reply, alert
    FORWARD_CONTACT = "forward-contact"  # a contact's text, to the agent working them
    FORWARD_UNKNOWN = "forward-unknown"  # anyone else's, to whoever the number routes to


@dataclass(frozen=True)
class TextFacts:
    """What is known about an inbound text when it is decided (texting/inbound.py)."""

    body: str
    from_agent_cell: bool  # the sender is one of our agents' own cells
    code_exists: bool  # the body is a text code an admin created
    known_contact: bool  # a contact has the sender's number
    owner_agent_id: int | None = None  # the contact's assigned or owning agent, if active
    code_agent_id: int | None = None  # the text code's own agent, if active
    routed_agent_id: int | None = None  # whom the number's routing would pick
    phrases: tuple[str, ...] = ()  # admins' own revocation phrases


@dataclass(frozen=True)
class TextDecision:
    action: TextAction
    agent_id: int | None = None  # who is forwarded the text, alerted, or owns the new lead
    keyword: Keyword | None = None
    flagged: bool = False  # may be a request to stop texting: the agent must see it
    rule: str = ""  # the revocation rule that decided (opt-out or flag), for the timeline


def decide(facts: TextFacts) -> TextDecision:
    """What an inbound text makes happen, in the order the rules are tried."""
    if facts.from_agent_cell:
        return TextDecision(TextAction.NOT_DELIVERED)
    found = keyword(facts.body)
    if found is not None:
        return TextDecision(TextAction.KEYWORD, keyword=found)
    if facts.code_exists and facts.known_contact:
        return TextDecision(TextAction.CODE_FROM_CONTACT)
    if facts.code_exists:
        return TextDecision(
            TextAction.CODE_NEW_LEAD, agent_id=facts.code_agent_id or facts.routed_agent_id
        )
    reading = revocation.classify(facts.body, facts.phrases)
    if reading.verdict is Verdict.REVOKE:
        return TextDecision(TextAction.KEYWORD, keyword=Keyword.OPT_OUT, rule=reading.rule)
    flagged = reading.verdict is Verdict.AMBIGUOUS
    if facts.known_contact:
        return TextDecision(
            TextAction.FORWARD_CONTACT,
            agent_id=facts.owner_agent_id or facts.routed_agent_id,
            flagged=flagged,
            rule=reading.rule,
        )
    return TextDecision(
        TextAction.FORWARD_UNKNOWN,
        agent_id=facts.routed_agent_id,
        flagged=flagged,
        rule=reading.rule,
    )
