"""Detector 4: carriers filtering the agent's texts as spam (Twilio 30007, Telnyx
40002/40003). The carriers' own filters are the strongest signal there is that what the
agent sends reads as spam: this many filtered texts in the window fire."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from .config import SpamConfig
from .finding import Evidence, Finding
from .history import Sent


def check(new: Sent, filtered: Sequence[Sent], config: SpamConfig) -> Finding | None:
    """`filtered`: the agent's texts a carrier refused as spam (when queued, to whom)."""
    window = timedelta(days=config.carrier_filtered_days)
    recent = sorted((f for f in filtered if new.at - window <= f.at <= new.at), key=lambda f: f.at)
    if len(recent) < config.carrier_filtered_count:
        return None
    return Finding(
        "carrier-spam-filter",
        f"carriers filtered {len(recent)} of the agent's texts as spam in the last"
        f" {config.carrier_filtered_days} days",
        tuple(Evidence(f.at, f.lead, "filtered as spam by the carrier") for f in recent),
    )
