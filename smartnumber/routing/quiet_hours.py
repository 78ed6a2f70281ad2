"""When an agent's text may reach a phone: only inside the texting window of the
recipient's local time (47 CFR 64.1200(c)(1): not before 8:00 or after 21:00 at the
called party's location), stricter in states whose laws say so (e.g. Florida Stat.
501.059(8)(a): 8:00-20:00). The recipient's time zone and state come from the number's
area code (phone.time_zone, phone.us_state). Pure: the texting domain asks, the outbox
holds the text until the window opens."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from .. import phone
from ..clock import Window


@dataclass(frozen=True)
class Verdict:
    opens: datetime | None  # None: it may go now; else when (UTC) the window opens
    local: datetime  # the recipient's local time now
    window: Window
    state: str | None

    def explain(self) -> str:
        where = f"{self.state}, " if self.state else ""
        return (
            f"it is {self.local:%H:%M} for the recipient ({where}{self.local.tzinfo}),"
            f" outside the texting window {self.window}"
        )


def check(now: datetime, to: str, default: Window, by_state: Mapping[str, Window]) -> Verdict:
    """May a text reach `to` now, and if not, when?"""
    zone = phone.time_zone(to)
    state = phone.us_state(to)
    span = by_state.get(state, default) if state else default
    local = now.astimezone(zone)
    if span.start <= local.time() < span.end:
        return Verdict(None, local, span, state)
    day = local.date() if local.time() < span.start else local.date() + timedelta(days=1)
    opens = datetime.combine(day, span.start, tzinfo=zone)
    return Verdict(opens.astimezone(now.tzinfo), local, span, state)
