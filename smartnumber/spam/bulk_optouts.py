"""Detector 3: mass texting followed by bulk opt-outs from the leads just texted."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from .config import SpamConfig
from .finding import Evidence, Finding
from .history import OptOut, Sent


def check(
    new: Sent, earlier: Sequence[Sent], opt_outs: Sequence[OptOut], config: SpamConfig
) -> Finding | None:
    """Over the agent's texts of the last window, count the leads who opted out after
    being texted: too many (config.optout_count), or too large a share of a big enough
    batch (config.optout_rate of at least config.optout_batch leads), fires."""
    window = timedelta(hours=config.optout_window_hours)
    recent = [s for s in (*earlier, new) if new.at - window <= s.at <= new.at]
    first_text: dict[str, datetime] = {}
    for s in sorted(recent, key=lambda s: s.at):
        first_text.setdefault(s.lead, s.at)
    quit_after = sorted(
        (o for o in opt_outs if o.lead in first_text and first_text[o.lead] <= o.at <= new.at),
        key=lambda o: o.at,
    )
    leads = {o.lead for o in quit_after}
    batch = len(first_text)
    rate = len(leads) / batch if batch else 0.0
    too_many = len(leads) >= config.optout_count
    too_large_a_share = batch >= config.optout_batch and rate >= config.optout_rate
    if not (too_many or too_large_a_share):
        return None
    return Finding(
        "bulk-opt-outs",
        f"{len(leads)} of the {batch} leads texted in the last {config.optout_window_hours} h"
        f" opted out ({rate:.0%})",
        tuple(Evidence(o.at, o.lead, "opted out") for o in quit_after),
    )
