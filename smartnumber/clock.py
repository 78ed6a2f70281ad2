"""Time: one place that reads the clock and parses times people type."""

from __future__ import annotations

from datetime import UTC, datetime

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
