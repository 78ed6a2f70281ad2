"""What a detector reports when it fires: the pattern and the evidence for a human."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class Evidence:
    at: datetime
    lead: str
    what: str  # a message excerpt, or what happened


@dataclass(frozen=True)
class Finding:
    pattern: str  # repeated-message | unanswered-streak | bulk-opt-outs | carrier-spam-filter
    summary: str  # one line for the agent and the admins
    evidence: tuple[Evidence, ...]
