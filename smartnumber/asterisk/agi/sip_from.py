"""Who sent a SIP MESSAGE: the user part of the From header's URI, parsed as RFC 3261 says.

The display name is the sender's own free text: `"sip:+12125550150@evil" <sip:trunk@x>`
names nobody but `trunk`. So the URI is the part inside <...> that follows the display
name (a quoted string, escapes and all, or plain words), or, without angle brackets, the
header up to its first ';' (header parameters). Anything else is not a sender.
"""

from __future__ import annotations

import re
from urllib.parse import unquote

_TOKEN_DISPLAY = re.compile(r"^[A-Za-z0-9\-.!%*_+`'~ \t]*$")  # RFC 3261 token chars and LWS


def uri_of(header: str) -> str | None:
    """The URI of a From header value (name-addr or addr-spec), or None if malformed."""
    text = header.strip()
    if text.startswith('"'):
        end = _quoted_string_end(text)
        if end is None:
            return None
        rest = text[end:].lstrip()
        if not rest.startswith("<"):
            return None
        return _bracketed(rest)
    if "<" in text:
        display, _, _ = text.partition("<")
        if not _TOKEN_DISPLAY.match(display):
            return None
        return _bracketed(text[len(display) :])
    if '"' in text or ">" in text:
        return None
    return text.split(";", 1)[0].strip() or None


def user_of(header: str) -> str | None:
    """The user part of the From URI (sip:, sips: or tel:), percent-decoded, without its
    parameters; None when there is none."""
    uri = uri_of(header)
    if uri is None:
        return None
    scheme, colon, rest = uri.partition(":")
    if not colon:
        return None
    scheme = scheme.lower()
    if scheme == "tel":
        user = rest
    elif scheme in ("sip", "sips"):
        userinfo, at, _host = rest.rpartition("@")
        if not at:
            return None
        user = userinfo.split(":", 1)[0]  # user:password@host
    else:
        return None
    user = unquote(user.split(";", 1)[0]).strip()
    return user or None


def _quoted_string_end(text: str) -> int | None:
    """Index just past the quoted string that starts text (backslash escapes honoured)."""
    i = 1
    while i < len(text):
        if text[i] == "\\":
            i += 2
            continue
        if text[i] == '"':
            return i + 1
        i += 1
    return None


def _bracketed(text: str) -> str | None:
    """The URI in '<...>' at the start of text."""
    end = text.find(">")
    if not text.startswith("<") or end < 0:
        return None
    return text[1:end].strip() or None
