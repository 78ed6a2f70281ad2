"""Detector 1: the same or nearly the same text to the same lead on different days.

"Nearly the same" is difflib's ratio (2 x matching characters / total characters,
Ratcliff-Obershelp) between the texts after normalising case, Unicode forms, punctuation
and spacing. On short texts it tolerates the edits an agent makes to dodge an exact
match (a changed name, a price, an emoji), where word-set measures such as Jaccard jump
by large steps for one word; it needs nothing outside the standard library.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from difflib import SequenceMatcher

from .config import SpamConfig
from .finding import Evidence, Finding
from .history import Sent, lead_day


def normalised(text: str) -> str:
    folded = unicodedata.normalize("NFKC", text).casefold()
    return " ".join(re.sub(r"[^\w\s]", " ", folded).split())


def similarity(a: str, b: str) -> float:
    return SequenceMatcher(None, normalised(a), normalised(b), autojunk=False).ratio()


def check(new: Sent, earlier: Sequence[Sent], config: SpamConfig) -> Finding | None:
    """Fires when `new` nearly repeats a text sent to the same lead on an earlier day."""
    today = lead_day(new.at, new.lead)
    for old in sorted(earlier, key=lambda s: s.at, reverse=True):
        if old.lead != new.lead or lead_day(old.at, old.lead) == today:
            continue
        score = similarity(old.body, new.body)
        if score >= config.similarity:
            return Finding(
                "repeated-message",
                f"nearly the same text ({score:.0%} alike) to {new.lead} on"
                f" {lead_day(old.at, old.lead)} and {today}",
                (
                    Evidence(old.at, old.lead, old.body[:160]),
                    Evidence(new.at, new.lead, new.body[:160]),
                ),
            )
    return None
