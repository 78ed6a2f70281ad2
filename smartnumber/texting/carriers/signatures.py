"""Is this webhook really from the carrier? Telnyx signs `{timestamp}|{raw body}` with
Ed25519 (headers telnyx-signature-ed25519, telnyx-timestamp; the account's base64 public
key); Twilio signs the public URL followed by the sorted form parameters with HMAC-SHA1
keyed by the auth token (header X-Twilio-Signature). Anything unsigned, badly signed or
(Telnyx) outside the time window is refused before a byte of it is processed."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from urllib.parse import urlsplit, urlunsplit

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

TELNYX_TOLERANCE = timedelta(minutes=5)  # Telnyx's SDKs use the same window


class BadSignature(Exception):
    """The request does not prove it came from the carrier; the message says why."""


def check_telnyx(
    body: bytes,
    signature: str | None,
    timestamp: str | None,
    public_key: str,
    now: datetime,
    tolerance: timedelta = TELNYX_TOLERANCE,
) -> None:
    """Raise BadSignature unless `signature` is the Ed25519 signature, by the holder of
    `public_key` (base64, 32 bytes), of `timestamp|body`, made within `tolerance` of now."""
    if not signature or not timestamp:
        raise BadSignature("no telnyx-signature-ed25519 or telnyx-timestamp header")
    if not timestamp.isdigit():
        raise BadSignature("telnyx-timestamp is not a number of seconds")
    age = now.timestamp() - int(timestamp)
    if abs(age) > tolerance.total_seconds():
        raise BadSignature(f"signed {age:.0f} s away from now (more than {tolerance})")
    try:
        key = Ed25519PublicKey.from_public_bytes(base64.b64decode(public_key, validate=True))
        signed = base64.b64decode(signature, validate=True)
    except (binascii.Error, ValueError):
        raise BadSignature("the public key or the signature is not valid base64") from None
    try:
        key.verify(signed, timestamp.encode() + b"|" + body)
    except InvalidSignature:
        raise BadSignature("the Ed25519 signature does not match") from None


def twilio_signature(
    auth_token: str, url: str, params: Sequence[tuple[str, str]] | Mapping[str, str]
) -> str:
    """X-Twilio-Signature of a form POST to `url` (the URL Twilio was given, query and
    all): HMAC-SHA1 of the URL followed by each parameter's name and value, sorted."""
    pairs = sorted(params.items() if isinstance(params, Mapping) else params)
    signed = url + "".join(name + value for name, value in pairs)
    digest = hmac.new(auth_token.encode(), signed.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def check_twilio(
    signature: str | None,
    auth_token: str,
    url: str,
    params: Sequence[tuple[str, str]] | Mapping[str, str],
) -> None:
    """Raise BadSignature unless `signature` is Twilio's for this URL and parameters. Its
    servers sign the URL with the scheme's default port or without it, so both are
    tried, as Twilio's own SDKs' RequestValidator does."""
    if not signature:
        raise BadSignature("no X-Twilio-Signature header")
    for spelling in _port_spellings(url):
        expected = twilio_signature(auth_token, spelling, params)
        if hmac.compare_digest(expected.encode(), signature.encode()):
            return
    raise BadSignature("X-Twilio-Signature does not match")


_DEFAULT_PORTS = {"https": 443, "http": 80}


def _port_spellings(url: str) -> list[str]:
    """The URL as given, and with its scheme's default port added, or removed."""
    parts = urlsplit(url)
    default = _DEFAULT_PORTS.get(parts.scheme)
    host = parts.hostname or ""
    if default is None or not host:
        return [url]
    try:
        port = parts.port
    except ValueError:
        return [url]
    if ":" in host:
        host = f"[{host}]"  # an IPv6 address
    user = parts.netloc.rpartition("@")[0]
    prefix = f"{user}@" if user else ""
    if port is None:
        other = f"{prefix}{host}:{default}"
    elif port == default:
        other = f"{prefix}{host}"
    else:
        return [url]
    return [url, urlunsplit(parts._replace(netloc=other))]
