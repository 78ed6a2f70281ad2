"""Installation-wide settings kept in the database: trunk, binds, AMI credentials.

Each key has a default and a validator, so every value that reaches a rendered
Asterisk file has been checked here first.
"""

from __future__ import annotations

import ipaddress
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass

from .errors import UserError
from .storage.repository import Repository

_HOSTNAME = re.compile(
    r"^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?"
    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?)*$"
)
_PATH = re.compile(r"^/[A-Za-z0-9_./-]{0,200}$")
_WORD = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")


def _host(value: str) -> str:
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        if _HOSTNAME.match(value):
            return value
    raise UserError(f"{value!r} is not an IP address or host name")


def _ip(value: str) -> str:
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        raise UserError(f"{value!r} is not an IP address") from None


def _port(value: str) -> str:
    if value.isdigit() and 1 <= int(value) <= 65535:
        return str(int(value))
    raise UserError(f"{value!r} is not a port number (1-65535)")


def _word(value: str) -> str:
    if _WORD.match(value):
        return value
    raise UserError(f"{value!r} must be 1-64 letters, digits, '_', '.' or '-'")


def _flag(value: str) -> str:
    lowered = value.lower()
    if lowered in ("yes", "true", "on", "1"):
        return "yes"
    if lowered in ("no", "false", "off", "0"):
        return "no"
    raise UserError(f"{value!r} must be yes or no")


def _directory(value: str) -> str:
    """An absolute directory path, or empty for the default. It is written into the
    dialplan, so only plain characters."""
    if value == "" or (_PATH.match(value) and ".." not in value.split("/")):
        return value.rstrip("/") or "/"
    raise UserError("must be empty or an absolute path of letters, digits, '_', '.', '-' and '/'")


def _tls(value: str) -> str:
    if value.lower() in ("none", "starttls", "tls"):
        return value.lower()
    raise UserError("must be none, starttls or tls")


def _optional_word(value: str) -> str:
    return value if value == "" or re.fullmatch(r"[^\s\x00-\x1f]{1,128}", value) else _word(value)


def _optional_secret(value: str) -> str:
    if len(value) <= 256 and value.isprintable():
        return value
    raise UserError("must be up to 256 printable characters")


def _email(value: str) -> str:
    if re.fullmatch(r"[^@\s<>]{1,64}@[A-Za-z0-9.-]{1,253}", value):
        return value
    raise UserError(f"{value!r} is not an email address")


def _number(low: float, high: float, whole: bool) -> Callable[[str], str]:
    def check(value: str) -> str:
        try:
            number = int(value) if whole else float(value)
        except ValueError:
            number = None
        if number is None or not low <= number <= high:
            kind = "a whole number" if whole else "a number"
            raise UserError(f"must be {kind} from {low:g} to {high:g}")
        return str(number)

    return check


def _text(value: str) -> str:
    if 0 < len(value) <= 80 and value.isprintable():
        return value
    raise UserError("must be 1-80 printable characters")


@dataclass(frozen=True)
class Setting:
    key: str
    default: Callable[[], str]
    check: Callable[[str], str]
    help: str
    secret: bool = False


SETTINGS: dict[str, Setting] = {
    s.key: s
    for s in (
        Setting("company.name", lambda: "Smart Number", _text, "business name used in messages"),
        Setting("trunk.host", lambda: "127.0.0.2", _host, "the carrier's SIP host"),
        Setting("trunk.port", lambda: "5060", _port, "the carrier's SIP port"),
        Setting("sip.bind", lambda: "127.0.0.1", _ip, "address Asterisk's PJSIP listens on"),
        Setting("sip.port", lambda: "5060", _port, "port Asterisk's PJSIP listens on"),
        Setting("rtp.start", lambda: "10000", _port, "first RTP port"),
        Setting("rtp.end", lambda: "10999", _port, "last RTP port"),
        Setting("ami.bind", lambda: "127.0.0.1", _ip, "address of Asterisk's manager interface"),
        Setting("ami.port", lambda: "5038", _port, "port of Asterisk's manager interface"),
        Setting("ami.username", lambda: "smartnumber", _word, "AMI user smartnumber logs in as"),
        Setting("ami.secret", lambda: secrets.token_hex(16), _word, "AMI password", secret=True),
        Setting("agi.host", lambda: "127.0.0.1", _host, "where the FastAGI service listens"),
        Setting("agi.port", lambda: "4573", _port, "FastAGI service port"),
        Setting("smtp.host", lambda: "127.0.0.1", _host, "mail server for admins' notices"),
        Setting("smtp.port", lambda: "25", _port, "its port"),
        Setting("smtp.tls", lambda: "none", _tls, "none, starttls or tls"),
        Setting("smtp.username", lambda: "", _optional_word, "login, if the server wants one"),
        Setting("smtp.password", lambda: "", _optional_secret, "its password", secret=True),
        Setting("smtp.from", lambda: "smartnumber@localhost", _email, "sender address"),
        Setting(
            "spam.similarity",
            lambda: "0.85",
            _number(0.5, 1.0, False),
            "texts this alike (0-1) to one lead on different days trip the repeat rule",
        ),
        Setting(
            "spam.unanswered_days",
            lambda: "4",
            _number(2, 30, True),
            "consecutive days texting one lead with no reply that trip the streak rule",
        ),
        Setting(
            "spam.optout_window_hours",
            lambda: "48",
            _number(1, 168, True),
            "opt-outs counted this long after an agent's texts",
        ),
        Setting(
            "spam.optout_count",
            lambda: "5",
            _number(1, 1000, True),
            "this many opt-outs in the window trip the bulk opt-out rule",
        ),
        Setting(
            "spam.optout_rate",
            lambda: "0.1",
            _number(0.01, 1.0, False),
            "... or this share of a batch of at least spam.optout_batch leads",
        ),
        Setting(
            "spam.optout_batch", lambda: "20", _number(2, 100000, True), "see spam.optout_rate"
        ),
        Setting(
            "media.dir",
            lambda: "",
            _directory,
            "prompts, recordings, voicemail; Asterisk must write it (empty: media/ by the db)",
        ),
        Setting(
            "forwarding.allow_us_territories",
            lambda: "no",
            _flag,
            "allow forwarding to Puerto Rico, Guam, USVI, N. Mariana Is., Am. Samoa",
        ),
    )
}


async def ensure_defaults(repo: Repository) -> None:
    """Store a default for every setting not yet set (generates the AMI secret once)."""
    current = await repo.settings()
    for setting in SETTINGS.values():
        if setting.key not in current:
            await repo.set_setting(setting.key, setting.default())


async def load(repo: Repository) -> dict[str, str]:
    """All settings: stored values over defaults."""
    stored = await repo.settings()
    return {key: stored[key] if key in stored else s.default() for key, s in SETTINGS.items()}


async def set_value(repo: Repository, key: str, value: str) -> str:
    """Validate and store one setting; returns the normalised value."""
    setting = SETTINGS.get(key)
    if setting is None:
        raise UserError(f"unknown setting {key!r}; known: {', '.join(SETTINGS)}")
    try:
        normalised = setting.check(value.strip())
    except UserError as exc:
        raise UserError(f"{key}: {exc}") from None
    await repo.set_setting(key, normalised)
    return normalised
