"""Database URLs: which store one names, what smartnumber reads from a postgresql://
one, and how any is shown (no driver is loaded here).

libpq reads the rest (host, port, dbname, user, sslmode, sslrootcert, ...); a password
belongs in ~/.pgpass or PGPASSFILE, and one left in a URL is never shown."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from ..errors import UserError

SCHEMES = ("postgresql", "postgres")


def is_postgres(url: str) -> bool:
    return url.split("://", 1)[0].lower() in SCHEMES and "://" in url


def split_pool_size(url: str, default: int) -> tuple[str, int]:
    """The URL without smartnumber's own pool_size=N, and N (libpq would refuse it)."""
    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True)
    size = default
    kept = []
    for key, value in query:
        if key != "pool_size":
            kept.append((key, value))
            continue
        if not value.isdigit() or not 1 <= int(value) <= 200:
            raise UserError(f"pool_size must be a number from 1 to 200, not {value!r}")
        size = int(value)
    return urlunsplit(parts._replace(query=urlencode(kept))), size


def shown(url: str) -> str:
    """The URL as it may be printed: any password replaced by ***."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.rsplit("@", 1)[1]
    user = parts.username or ""
    return urlunsplit(parts._replace(netloc=f"{user}:***@{netloc}"))
