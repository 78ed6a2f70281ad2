"""The compliance report (`smartnumber compliance report`): what an admin hands their
lawyer. Over a period, per Smart Number and per agent: texts sent, texts refused by
reason, messages that held an agent's next text; opt-outs by the words (or rule) that
made them; the numbers texted without a recorded consent. Read from the timeline, which
already says all of it (outbound.py, inbound.py, carriers/knowledge.py write it)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from ..model import Activity, ActivityKind, ConsentEvent, Detail, Direction

REFUSED = "Text not sent - "


@dataclass
class Tally:
    sent: int = 0
    refused: Counter[str] = field(default_factory=Counter)
    held: int = 0  # messages that may have asked to stop: the agent's next text waited

    def as_dict(self) -> dict[str, Any]:
        return {"sent": self.sent, "refused": dict(self.refused.most_common()), "held": self.held}


@dataclass
class Report:
    by_number: dict[int | None, Tally] = field(default_factory=dict)
    by_agent: dict[int | None, Tally] = field(default_factory=dict)
    opt_outs: Counter[str] = field(default_factory=Counter)  # by wording or rule
    strangers: list[ConsentEvent] = field(default_factory=list)  # opted out, no contact
    texted: set[str] = field(default_factory=set)  # numbers texts were sent to

    def _tallies(self, entry: Activity) -> tuple[Tally, Tally]:
        number = self.by_number.setdefault(entry.smart_number_id, Tally())
        agent = self.by_agent.setdefault(entry.agent_id, Tally())
        return number, agent

    def add(self, entry: Activity) -> None:
        detail = entry.detail
        if entry.kind is ActivityKind.TEXT and entry.direction is Direction.OUTBOUND:
            for tally in self._tallies(entry):
                tally.sent += 1
            if isinstance(detail.get(Detail.TO), str):
                self.texted.add(detail[Detail.TO])
        elif entry.kind is ActivityKind.NOTE and str(detail.get(Detail.TEXT, "")).startswith(
            REFUSED
        ):
            reason = reason_of(str(detail[Detail.TEXT]))
            for tally in self._tallies(entry):
                tally.refused[reason] += 1
        elif entry.kind is ActivityKind.TEXT and entry.direction is Direction.INBOUND:
            if detail.get(Detail.REVOCATION) == "ambiguous":
                for tally in self._tallies(entry):
                    tally.held += 1
            if detail.get(Detail.KEYWORD) == "opt-out":
                self.opt_outs[wording(detail)] += 1
        elif entry.kind is ActivityKind.NOTE and detail.get("meaning") == "opted-out":
            self.opt_outs[f"carrier code {detail.get('carrier_code')}"] += 1

    def add_stranger_opt_out(self, event: ConsentEvent) -> None:
        """An opt-out of a number no contact has: no timeline entry, the ledger's word."""
        said = "carrier code" if event.evidence == "carrier" else wording({"text": event.evidence})
        self.opt_outs[f"{said} (not a contact)"] += 1
        self.strangers.append(event)


def reason_of(note: str) -> str:
    """'Text not sent - quiet hours: it is 04:00...' -> 'quiet hours'."""
    rest = note.removeprefix(REFUSED)
    for cut in (":", " until ", " ("):
        rest = rest.split(cut, 1)[0]
    return rest.strip()[:80]


def wording(detail: dict[str, Any]) -> str:
    """How an opt-out was worded: the rule that read it, or the keyword itself."""
    rule = detail.get("revocation_rule")
    if rule:
        return f"rule: {rule}"
    return f"keyword: {' '.join(str(detail.get(Detail.TEXT, '')).split()).upper()[:40]}"
