"""Every detector threshold in one place (thresholds are policy, not code)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SpamConfig:
    # 1. the same or nearly the same text to the same lead on different days
    similarity: float = 0.85  # difflib ratio of the normalised texts, 0..1
    # 2. one lead texted on this many consecutive days with no reply
    unanswered_days: int = 4
    # 3. mass texting followed by bulk opt-outs
    optout_window_hours: int = 48  # opt-outs counted this long after the agent's texts
    optout_count: int = 5  # this many opt-outs from the agent's recent leads ...
    optout_rate: float = 0.10  # ... or this share of a batch of at least optout_batch
    optout_batch: int = 20
