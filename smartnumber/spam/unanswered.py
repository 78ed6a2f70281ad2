"""Detector 2: texting one lead on N consecutive days (their calendar) with no reply."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from .config import SpamConfig
from .finding import Evidence, Finding
from .history import Reply, Sent, lead_day


def check(
    new: Sent, earlier: Sequence[Sent], replies: Sequence[Reply], config: SpamConfig
) -> Finding | None:
    """Fires when `new` makes the run of consecutive days with a text to this lead reach
    config.unanswered_days, and the lead has not texted back since the run began."""
    sent = [s for s in (*earlier, new) if s.lead == new.lead]
    days = {lead_day(s.at, s.lead) for s in sent}
    day = lead_day(new.at, new.lead)
    run = [day]
    while day - timedelta(days=1) in days:
        day -= timedelta(days=1)
        run.append(day)
    if len(run) < config.unanswered_days:
        return None
    first = min(s.at for s in sent if lead_day(s.at, s.lead) == run[-1])
    if any(r.lead == new.lead and r.at >= first for r in replies):
        return None
    texts = sorted((s for s in sent if lead_day(s.at, s.lead) in set(run)), key=lambda s: s.at)
    return Finding(
        "unanswered-streak",
        f"{new.lead} texted on {len(run)} days in a row ({run[-1]} to {run[0]}) with no reply",
        tuple(Evidence(s.at, s.lead, s.body[:160]) for s in texts),
    )
