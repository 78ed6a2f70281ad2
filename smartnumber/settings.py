"""Installation-wide settings kept in the database: trunk, binds, credentials.

Each key has a default and a validator, so every value that reaches a rendered
Asterisk file has been checked here first. Secrets (passwords, the AGI token) are at
least 16 characters, never contain a line break (they reach AMI, SMTP and .conf
lines), are generated when smartnumber chooses them, and are never shown unless an
admin asks for one by name (`settings show --reveal KEY`).
"""

from __future__ import annotations

import ipaddress
import re
import secrets
import stat
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from . import clock, egress
from .errors import UserError
from .storage.repository import Repository

_HOSTNAME = re.compile(
    r"^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?"
    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?)*$"
)
_PATH = re.compile(r"^/[A-Za-z0-9_./-]{0,200}$")
_WORD = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")


MASK = "********"
SECRET_MIN = 16
# Secrets that land in Asterisk's .conf files and AMI/AGI lines: no ';', spaces or quotes.
_CONF_SECRET = re.compile(rf"^[A-Za-z0-9_.~+/=-]{{{SECRET_MIN},128}}$")


def is_loopback(host: str) -> bool:
    """True for a loopback address or 'localhost'; False for anything else, names included."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


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


def _conf_secret(value: str) -> str:
    if _CONF_SECRET.match(value):
        return value
    raise UserError(f"must be {SECRET_MIN}-128 characters: letters, digits and _ . ~ + / = -")


def _optional_conf_secret(value: str) -> str:
    return value if value == "" else _conf_secret(value)


def _optional_secret(value: str) -> str:
    """A password chosen elsewhere (the mail provider's): any printable characters, but
    long enough, and never a line break (it goes into the SMTP AUTH exchange)."""
    if value == "" or (SECRET_MIN <= len(value) <= 256 and value.isprintable()):
        return value
    raise UserError(f"must be empty or {SECRET_MIN}-256 printable characters")


def _addresses(value: str) -> str:
    """A comma-separated list of IP addresses, networks (CIDR) or host names; or empty."""
    items = [item.strip() for item in value.split(",") if item.strip()]
    checked = []
    for item in items:
        try:
            checked.append(str(ipaddress.ip_network(item, strict=False)))
            continue
        except ValueError:
            pass
        if not _HOSTNAME.match(item):
            raise UserError(f"{item!r} is not an IP address, a network (CIDR) or a host name")
        checked.append(item)
    return ",".join(checked)


def _networks(value: str) -> str:
    """A comma-separated list of IP addresses or networks (CIDR); or empty."""
    checked = []
    for item in (i.strip() for i in value.split(",") if i.strip()):
        try:
            checked.append(str(ipaddress.ip_network(item, strict=False)))
        except ValueError:
            raise UserError(f"{item!r} is not an IP address or a network (CIDR)") from None
    return ",".join(checked)


def _owner(value: str) -> str:
    """USER:GROUP (names or numbers) who should own rendered files, or empty."""
    if value == "" or re.fullmatch(
        r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,31}:[A-Za-z0-9_][A-Za-z0-9_.-]{0,31}", value
    ):
        return value
    raise UserError("must be USER:GROUP, e.g. root:asterisk")


def _email(value: str) -> str:
    if re.fullmatch(r"[^@\s<>]{1,64}@[A-Za-z0-9.-]{1,253}", value):
        return value
    raise UserError(f"{value!r} is not an email address")


def _public_url(value: str) -> str:
    """Empty, or http(s)://host[:port][/prefix] with nothing else: carriers post to it."""
    if value == "":
        return value
    if re.fullmatch(
        r"https?://[A-Za-z0-9.-]{1,253}(:[0-9]{1,5})?(/[A-Za-z0-9_./-]{0,200})?", value
    ):
        return value.rstrip("/")
    raise UserError("must be empty or like https://sn.example.com (no query, no credentials)")


def _disclosure(value: str) -> str:
    line = _text(value)
    if "STOP" not in line:
        raise UserError("the opt-out line must tell how: it must contain the word STOP")
    return line


def _window(value: str) -> str:
    return str(clock.window(value))


def _state_windows(value: str) -> str:
    return ",".join(f"{k}={v}" for k, v in clock.state_windows(value).items())


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


def _egress(value: str) -> str:
    return str(egress.Policy.parse(value))


@dataclass(frozen=True)
class Setting:
    key: str
    default: Callable[[], str]
    check: Callable[[str], str]
    help: str
    secret: bool = False
    generated: bool = False  # the default is made once (a random secret) and then kept


def _generated(key: str, help: str) -> Setting:
    """A secret smartnumber chooses: 32 random hex digits, stored the first time it is read."""
    return Setting(key, lambda: secrets.token_hex(16), _conf_secret, help, True, True)


SETTINGS: dict[str, Setting] = {
    s.key: s
    for s in (
        Setting("company.name", lambda: "Smart Number", _text, "business name used in messages"),
        Setting("trunk.host", lambda: "127.0.0.2", _host, "the carrier's SIP host"),
        Setting("trunk.port", lambda: "5060", _port, "the carrier's SIP port"),
        Setting(
            "trunk.match",
            lambda: "",
            _addresses,
            "addresses/networks the carrier sends from, comma-separated (empty: trunk.host)",
        ),
        Setting(
            "trunk.username",
            lambda: "",
            _optional_word,
            "if set with trunk.password, the carrier must also authenticate (digest)",
        ),
        Setting(
            "trunk.password",
            lambda: "",
            _optional_conf_secret,
            "the carrier's digest password (with trunk.username)",
            secret=True,
        ),
        Setting("sip.bind", lambda: "127.0.0.1", _ip, "address Asterisk's PJSIP listens on"),
        Setting("sip.port", lambda: "5060", _port, "port Asterisk's PJSIP listens on"),
        Setting("rtp.start", lambda: "10000", _port, "first RTP port"),
        Setting("rtp.end", lambda: "10999", _port, "last RTP port"),
        Setting("ami.bind", lambda: "127.0.0.1", _ip, "address of Asterisk's manager interface"),
        Setting("ami.port", lambda: "5038", _port, "port of Asterisk's manager interface"),
        Setting(
            "ami.permit",
            lambda: "",
            _networks,
            "other addresses/networks allowed to log in to the AMI (default: this host only)",
        ),
        Setting("ami.username", lambda: "smartnumber", _word, "AMI user of the routing service"),
        _generated("ami.secret", "its password"),
        Setting(
            "ami.cli_username",
            lambda: "smartnumber-cli",
            _word,
            "AMI user of CLI actions (click-to-call, caller-ID checks)",
        ),
        _generated("ami.cli_secret", "its password"),
        Setting("agi.host", lambda: "127.0.0.1", _host, "where the FastAGI service listens"),
        Setting("agi.port", lambda: "4573", _port, "FastAGI service port"),
        Setting(
            "agi.allow_remote",
            lambda: "no",
            _flag,
            "allow agi.host off loopback (Asterisk on another host); requests carry agi.token",
        ),
        _generated("agi.token", "shared secret every FastAGI request must carry"),
        Setting(
            "api.bind",
            lambda: "127.0.0.1",
            _ip,
            "address the HTTP API listens on (put a TLS reverse proxy in front of it)",
        ),
        Setting("api.port", lambda: "8080", _port, "HTTP API port"),
        Setting(
            "api.public_url",
            lambda: "",
            _public_url,
            "the API's address as carriers reach it, e.g. https://sn.example.com (their"
            " receipts are sent there; Twilio signs it)",
        ),
        Setting(
            "api.rate_limit",
            lambda: "200",
            _number(1, 100000, True),
            "requests a second each API token may make (bursts of twice that; then 429)",
        ),
        Setting(
            "webhooks.keep_days",
            lambda: "30",
            _number(1, 3650, True),
            "days webhook events and their delivery log are kept (and can be replayed)",
        ),
        Setting(
            "egress.allow",
            lambda: "",
            _egress,
            "hosts and ranges webhooks and MMS fetches may reach although they are private,"
            " loopback or plain http, comma-separated (e.g. hooks.internal,10.1.2.0/24)",
        ),
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
            "spam.carrier_filtered_count",
            lambda: "3",
            _number(1, 1000, True),
            "this many of an agent's texts filtered as spam by a carrier trip the carrier rule",
        ),
        Setting(
            "spam.carrier_filtered_days",
            lambda: "7",
            _number(1, 30, True),
            "... within this many days",
        ),
        Setting(
            "media.dir",
            lambda: "",
            _directory,
            "prompts, recordings, voicemail; Asterisk must write it (empty: media/ by the db)",
        ),
        Setting(
            "texting.mms_max_bytes",
            lambda: "5000000",
            _number(1000, 100_000_000, True),
            "an inbound MMS attachment larger than this is not fetched (noted instead)",
        ),
        Setting(
            "texting.mms_fetch_seconds",
            lambda: "20",
            _number(1, 120, True),
            "an inbound MMS attachment not whole within this many seconds is not kept (noted)",
        ),
        Setting(
            "texting.window",
            lambda: "08:00-21:00",
            _window,
            "texts agents start reach phones only within this local time (47 CFR 64.1200(c)(1))",
        ),
        Setting(
            "texting.state_windows",
            lambda: "FL=08:00-20:00,OK=08:00-20:00,MD=08:00-20:00",
            _state_windows,
            "stricter windows by state of the recipient's area code (state laws)",
        ),
        Setting(
            "texting.reply_window_minutes",
            lambda: "60",
            _number(0, 1440, True),
            "a reply this soon after the lead's own text goes at any hour (0: never)",
        ),
        Setting(
            "texting.require_consent",
            lambda: "no",
            _flag,
            "refuse texts agents start to numbers with no recorded consent (`consent add`)",
        ),
        Setting(
            "texting.disclosure",
            lambda: "Reply STOP to opt out.",
            _disclosure,
            "added to the first text to a number, unless the agent wrote how to opt out",
        ),
        Setting(
            "texting.auto_reply_limit",
            lambda: "5",
            _number(0, 100, True),
            "automatic texts (confirmations, HELP, auto-replies) per sender per hour",
        ),
        Setting(
            "asterisk.cdr_file",
            lambda: "/var/log/asterisk/cdr-custom/smartnumber.csv",
            _directory,
            "the CDR lines cdr_custom writes (cdr_custom.conf); the service reconciles calls"
            " from it (`asterisk start` points it at the private instance's)",
        ),
        Setting(
            "asterisk.owner",
            lambda: "",
            _owner,
            "USER:GROUP for rendered files and the media directory (empty: the current user)",
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
    """Store a default for every setting not yet set (generated secrets made once)."""
    current = await repo.settings()
    for setting in SETTINGS.values():
        if setting.key not in current:
            await repo.set_setting(setting.key, setting.default())


def value_of(key: str, stored: str | None) -> str:
    """A setting's value from what is stored for it (None: nothing, so its default)."""
    return SETTINGS[key].default() if stored is None else stored


async def load(repo: Repository) -> dict[str, str]:
    """All settings: stored values over defaults. A generated secret missing from an older
    database is made and stored now, so every reader sees the same one."""
    stored = await repo.settings()
    values = {}
    for key, setting in SETTINGS.items():
        if key not in stored and setting.generated:
            stored[key] = setting.default()
            await repo.set_setting(key, stored[key])
        values[key] = stored[key] if key in stored else setting.default()
    return values


def shown(key: str, value: str) -> str:
    """A setting's value as it may appear on screen: secrets masked (empty stays empty)."""
    return MASK if SETTINGS[key].secret and value else value


def masked(values: dict[str, str]) -> dict[str, str]:
    return {key: shown(key, value) for key, value in values.items()}


async def reveal(repo: Repository, key: str) -> str:
    """One setting's real value, secret or not, for an admin who asked for it by name."""
    if key not in SETTINGS:
        raise UserError(f"unknown setting {key!r}; known: {', '.join(SETTINGS)}")
    return (await load(repo))[key]


async def set_value(repo: Repository, key: str, value: str) -> str:
    """Validate and store one setting; returns the normalised value."""
    setting = SETTINGS.get(key)
    if setting is None:
        raise UserError(f"unknown setting {key!r}; known: {', '.join(SETTINGS)}")
    try:
        normalised = setting.check(value.strip())
    except UserError as exc:
        raise UserError(f"{key}: {exc}") from None
    remote = key == "agi.host" and not is_loopback(normalised)
    if remote and (await load(repo))["agi.allow_remote"] != "yes":
        raise UserError(
            f"agi.host: {normalised} is not loopback; if Asterisk runs on another host,"
            " first `smartnumber settings set agi.allow_remote yes` (every FastAGI"
            " request then carries agi.token) and firewall the port"
        )
    await repo.set_setting(key, normalised)
    return normalised


def read_secret_file(path: Path) -> str:
    """A secret kept in a file: one line, readable by its owner only."""
    try:
        mode = path.stat().st_mode
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise UserError(f"cannot read the secret file {path}: {exc.strerror}") from None
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise UserError(
            f"the secret file {path} is readable by others (mode {stat.S_IMODE(mode):o});"
            f" run: chmod 600 {path}"
        )
    lines = text.splitlines()
    if len(lines) != 1 or not lines[0].strip():
        raise UserError(f"the secret file {path} must hold the secret on one line")
    return lines[0].strip()
