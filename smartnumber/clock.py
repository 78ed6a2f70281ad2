"""Time: one place that reads the clock and parses times people type."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, time

from .errors import UserError


def now() -> datetime:
    return datetime.now(tz=UTC)


def parse_iso(text: str) -> datetime:
    """An ISO-8601 time; one without a zone is taken as UTC."""
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise UserError(f"{text!r} is not an ISO-8601 time like 2026-11-20T14:05:00Z") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


_WINDOW = re.compile(r"^(\d{1,2}):(\d{2})(?::(\d{2}))?-(\d{1,2}):(\d{2})(?::(\d{2}))?$")


@dataclass(frozen=True)
class Window:
    start: time  # first moment texts may arrive, local time
    end: time  # first moment they may not

    def __str__(self) -> str:
        def hm(at: time) -> str:
            if at == time.max:
                return "24:00"
            return f"{at:%H:%M:%S}" if at.second else f"{at:%H:%M}"

        return f"{hm(self.start)}-{hm(self.end)}"


def window(text: str) -> Window:
    """'08:00-21:00' (seconds allowed: '08:00:30-21:00'; '24:00' ends at midnight)."""
    found = _WINDOW.match(text.strip())
    try:
        if found is None:
            raise ValueError
        h1, m1, s1, h2, m2, s2 = (int(g or 0) for g in found.groups())
        end = time.max if (h2, m2, s2) == (24, 0, 0) else time(h2, m2, s2)  # 24:00: midnight
        made = Window(time(h1, m1, s1), end)
    except ValueError:
        raise UserError(f"{text!r} is not a window like 08:00-21:00") from None
    if made.start >= made.end:
        raise UserError(f"{text!r}: the window must start before it ends (same day)")
    return made


def state_windows(text: str) -> dict[str, Window]:
    """'FL=08:00-20:00,OK=08:00-20:00' (empty: none)."""
    found: dict[str, Window] = {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        state, _, span = part.partition("=")
        if not re.fullmatch(r"[A-Z]{2}", state.strip()):
            raise UserError(f"{part!r}: a state is two capital letters, e.g. FL=08:00-20:00")
        found[state.strip()] = window(span)
    return found
