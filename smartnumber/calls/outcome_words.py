"""What became of a call, in the words people read: one name per outcome, the same in
the CLI, on the timeline and in the call.ended webhook, and a sentence for each.

Asterisk's DIALSTATUS says what the dialled side did (for a click-to-call: the contact's
leg; for an inbound call: the agents' phones). Pure: the callers pass what they know."""

from __future__ import annotations

from dataclasses import dataclass

# DIALSTATUS -> the outcome's name
_NAMES = {
    "ANSWER": "answered",
    "NOANSWER": "no-answer",
    "BUSY": "busy",
    "CHANUNAVAIL": "unreachable",
    "CONGESTION": "unreachable",
    "CANCEL": "hung-up-early",
}


@dataclass(frozen=True)
class Said:
    outcome: str  # answered | no-answer | busy | unreachable | hung-up-early | missed
    sentence: str


def _seconds(talk: int) -> str:
    return f"{talk} s" if talk < 120 else f"{talk // 60} min {talk % 60} s"


def click_to_call(dial_status: str, *, agent: str, contact: str, talk_seconds: int = 0) -> Said:
    """A click-to-call the agent answered: what the contact's leg came to."""
    outcome = _NAMES.get(dial_status.upper(), "missed")
    sentence = {
        "answered": f"{contact} answered; {agent} talked with them for {_seconds(talk_seconds)}",
        "no-answer": f"{contact} did not answer",
        "busy": f"{contact}'s line was busy",
        "unreachable": f"{contact} could not be reached (the trunk or their line refused it)",
        "hung-up-early": f"{agent} hung up before {contact} answered",
    }.get(outcome, f"{contact} was not reached ({dial_status or 'no status from Asterisk'})")
    return Said(outcome, sentence)


def agent_missed(agent: str, reason: str) -> Said:
    """A click-to-call the agent never took: the contact was not called."""
    return Said("agent-missed", f"{agent} did not take the call ({reason}); nobody else was rung")


def inbound(
    dial_status: str, *, answered_by: str | None, rang: list[str], talk_seconds: int = 0
) -> Said:
    """An inbound call: who answered, or what the phones rung did."""
    outcome = _NAMES.get(dial_status.upper(), "missed")
    who = ", ".join(rang) or "nobody"
    if outcome == "answered":
        return Said(outcome, f"answered by {answered_by or 'a forward'}, {_seconds(talk_seconds)}")
    sentence = {
        "no-answer": f"nobody answered (rang {who})",
        "busy": f"busy (rang {who})",
        "unreachable": f"{who} could not be reached",
        "hung-up-early": f"the caller hung up before anyone answered (rang {who})",
    }.get(outcome, f"missed (rang {who})")
    return Said(outcome, sentence)
