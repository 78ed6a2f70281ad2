"""Use cases of the installation itself: the database, settings, the rendered Asterisk
configuration and the private instance, and what `asterisk check` finds."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .. import asterisk, media, settings, storage
from ..asterisk import Owner, PrivateAsterisk
from ..errors import UserError
from ..storage.repository import Store


@dataclass(frozen=True)
class Initialised:
    media_dir: Path
    tightened: int  # audio files an earlier version left readable by others, made private


async def init(store: Store, db: str | Path) -> Initialised:
    """Defaults stored (secrets generated once), the media directory made private. The
    database itself is made private when the store opens it."""
    async with store.transaction() as repo:
        await settings.ensure_defaults(repo)
        values = await settings.load(repo)
    owner = Owner.parse(values["asterisk.owner"])
    media_dir = media.directory(values, storage.home(db))
    media.create_dirs(media_dir, owner)
    return Initialised(media_dir, media.tighten(media_dir, owner))


async def settings_table(store: Store) -> list[dict[str, str]]:
    """Every setting with its help; secrets masked."""
    async with store.transaction() as repo:
        values = settings.masked(await settings.load(repo))
    return [{"key": k, "value": v, "help": settings.SETTINGS[k].help} for k, v in values.items()]


async def settings_values(store: Store) -> dict[str, str]:
    """Every setting by key; secrets masked."""
    async with store.transaction() as repo:
        return settings.masked(await settings.load(repo))


async def reveal_setting(store: Store, key: str) -> str:
    async with store.transaction() as repo:
        return await settings.reveal(repo, key)


def is_secret(key: str) -> bool:
    """Whether a setting is a secret (never on a command line, never shown)."""
    found = settings.SETTINGS.get(key)
    return found is not None and found.secret


def secret_from_file(path: Path) -> str:
    """A secret kept in a file only its owner can read (one line)."""
    return settings.read_secret_file(path)


LISTENERS = ("api.bind", "sip.bind", "ami.bind")  # where a listener binds


def exposure_warning(key: str, value: str) -> str | None:
    """What an admin should hear when a listener leaves loopback."""
    if key in LISTENERS and not settings.is_loopback(value):
        return f"warning: {key} {value} is reachable from the network: firewall it" + (
            ", and put a TLS proxy in front of the API" if key == "api.bind" else ""
        )
    return None


async def set_setting(store: Store, key: str, value: str) -> str:
    """The value as stored, as it may be shown (a secret masked)."""
    async with store.transaction() as repo:
        return settings.shown(key, await settings.set_value(repo, key, value))


async def render_asterisk(
    store: Store, db: str | Path, out_dir: Path, templates: Path | None, owner: str | None
) -> list[Path]:
    """Render the dialplan, pjsip.conf, manager.conf and cdr_custom.conf (0640, given to
    `owner` or the asterisk.owner setting) and make the media directory."""
    env = asterisk.templates_environment(templates)
    async with store.transaction() as repo:
        data = await asterisk.config_data(repo, db)
    chosen = Owner.parse(owner if owner is not None else data["settings"]["asterisk.owner"])
    media.create_dirs(Path(data["media"]["dir"]), chosen)
    return asterisk.write_config(env, out_dir, data, owner=chosen)


async def _render_instance(
    store: Store, db: str | Path, instance: PrivateAsterisk, templates: Path | None
) -> None:
    """The private instance runs as the current user: its files stay ours, 0640/0700."""
    env = asterisk.templates_environment(templates)
    async with store.transaction() as repo:
        data = await asterisk.config_data(repo, db)
    instance.dirs.create()
    media.create_dirs(Path(data["media"]["dir"]))
    data.update(instance.dirs.template_context())
    asterisk.write_config(env, instance.dirs.etc, data, instance=True)


async def start_instance(
    store: Store, db: str | Path, instance_dir: Path, templates: Path | None
) -> tuple[int, dict[str, str]]:
    """Render and start the private Asterisk; point asterisk.cdr_file at its CDR file
    (the routing service reconciles calls from it). Its pid, and the settings."""
    instance = PrivateAsterisk(instance_dir)
    await _render_instance(store, db, instance, templates)
    pid = instance.start()
    async with store.transaction() as repo:
        await settings.set_value(repo, "asterisk.cdr_file", str(instance.dirs.cdr_file))
        return pid, await settings.load(repo)


async def reload_instance(
    store: Store, db: str | Path, instance_dir: Path, templates: Path | None
) -> None:
    instance = PrivateAsterisk(instance_dir)
    if instance.pid() is None:
        raise UserError(f"no Asterisk is running from {instance.dirs.root}")
    await _render_instance(store, db, instance, templates)
    instance.reload()


def instance_status(instance_dir: Path) -> dict[str, Any]:
    instance = PrivateAsterisk(instance_dir)
    pid = instance.pid()
    return {
        "running": pid is not None,
        "pid": pid,
        "dir": str(instance.dirs.root),
        "uptime": instance.rx("core show uptime").strip() if pid else None,
    }


def stop_instance(instance_dir: Path) -> bool:
    return PrivateAsterisk(instance_dir).stop()


@dataclass(frozen=True)
class Checked:
    findings: list[asterisk.Finding]
    files: Path
    live: bool  # a running Asterisk answered, and was checked too

    @property
    def open_now(self) -> bool:
        return any(f.severity == asterisk.DANGER for f in self.findings)


def check_asterisk(instance_dir: Path, conf_dir: Path | None) -> Checked:
    """The rendered files (conf_dir: an admin's own Asterisk, else the private instance's),
    and the running Asterisk if it answers."""
    if conf_dir is not None:
        files, rx = conf_dir, asterisk.system_rx
    else:
        instance = PrivateAsterisk(instance_dir)
        files, rx = instance.dirs.etc, instance.rx
    findings = asterisk.check_files(files)
    try:
        findings += asterisk.check_live(rx)
        live = True
    except UserError:
        live = False
    return Checked(findings, files, live)
