"""Every detector threshold in one place: policy, set by admins (settings spam.*)."""

from __future__ import annotations

from collections.abc import Mapping
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
    # 4. carriers filtering the agent's texts as spam
    carrier_filtered_count: int = 3  # this many filtered texts ...
    carrier_filtered_days: int = 7  # ... within this many days

    @classmethod
    def from_settings(cls, values: Mapping[str, str]) -> SpamConfig:
        return cls(
            similarity=float(values["spam.similarity"]),
            unanswered_days=int(values["spam.unanswered_days"]),
            optout_window_hours=int(values["spam.optout_window_hours"]),
            optout_count=int(values["spam.optout_count"]),
            optout_rate=float(values["spam.optout_rate"]),
            optout_batch=int(values["spam.optout_batch"]),
            carrier_filtered_count=int(values["spam.carrier_filtered_count"]),
            carrier_filtered_days=int(values["spam.carrier_filtered_days"]),
        )
