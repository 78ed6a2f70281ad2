"""Jinja filters that make values safe for Asterisk configuration files.

Values are validated when they enter the database; these filters are the second line:
they refuse (raise) rather than emit something that could change the meaning of a file.
"""

from __future__ import annotations

import ipaddress
import re

from ..dial import DIAL_STRING_RE


class UnsafeValue(ValueError):
    """A value that would be unsafe in the rendered configuration."""


_SECTION = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.+-]{0,79}$")
_DIAL = re.compile(DIAL_STRING_RE)
_E164 = re.compile(r"^\+[1-9][0-9]{6,14}$")
_PATH = re.compile(r"^/[A-Za-z0-9_./-]{0,250}$")
_CONF_VALUE = re.compile(r"^[^\x00-\x1f;\[\]]{0,255}$")


def section(value: object) -> str:
    """A pjsip/manager section name or extension: letters, digits, '_', '.', '+', '-'."""
    text = str(value)
    if not _SECTION.match(text):
        raise UnsafeValue(f"unsafe section or extension name: {text!r}")
    return text


def dial(value: object) -> str:
    """A dial string built from the database (PJSIP endpoints or trunk numbers)."""
    text = str(value)
    if not _DIAL.match(text):
        raise UnsafeValue(f"unsafe dial string: {text!r}")
    return text


def e164(value: object) -> str:
    text = str(value)
    if not _E164.match(text):
        raise UnsafeValue(f"not an E.164 number: {text!r}")
    return text


def path(value: object) -> str:
    """An absolute file or directory path in a dialplan argument: plain characters only."""
    text = str(value)
    if not _PATH.match(text) or ".." in text.split("/"):
        raise UnsafeValue(f"unsafe path: {text!r}")
    return text


def conf_value(value: object) -> str:
    """A value on the right of '=' in a .conf file: one line, no ';' or brackets."""
    text = str(value)
    if not _CONF_VALUE.match(text):
        raise UnsafeValue(f"unsafe configuration value: {text!r}")
    return text


def uri_host(value: object) -> str:
    """A host as it goes before ':port' or in a URI: an IPv6 address in brackets."""
    text = conf_value(value)
    try:
        if ipaddress.ip_address(text).version == 6:
            return f"[{text}]"
    except ValueError:
        pass
    return text


def hostport(host: object, port: object) -> str:
    """host:port for a bind or a contact: [::1]:5060 for IPv6, 127.0.0.1:5060 otherwise."""
    port_text = conf_value(port)
    if not port_text.isdigit():
        raise UnsafeValue(f"not a port: {port_text!r}")
    return f"{uri_host(host)}:{port_text}"


def comment(value: object) -> str:
    """Free text (names) for a ';' comment: newlines and control characters flattened."""
    return re.sub(r"[\x00-\x1f\x7f]", " ", str(value))[:120]


def dialplan_arg(value: object) -> str:
    """Free text as a dialplan application argument (NoOp, Verbose): escapes what Asterisk
    would otherwise parse (',', '|', '$', '[', ']', '(', ')', '"', '\\', ';')."""
    flat = comment(value)
    return re.sub(r'([\\,|$\[\]()";])', r"\\\1", flat)


FILTERS = {
    "section": section,
    "dial": dial,
    "e164": e164,
    "conf_value": conf_value,
    "path": path,
    "hostport": hostport,
    "uri_host": uri_host,
    "comment": comment,
    "dialplan_arg": dialplan_arg,
}
