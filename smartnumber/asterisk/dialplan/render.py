"""Render Asterisk configuration from the shipped templates (smartnumber/asterisk/templates/).

One Jinja Environment (StrictUndefined, Asterisk-safe filters); a ChoiceLoader that
prefers the admin's override directory over the shipped templates.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Mapping
from importlib import resources
from pathlib import Path
from typing import Any

import jinja2

from ...errors import UserError
from .. import names
from ..ownership import CONFIG_DIR_MODE, CONFIG_FILE_MODE, Owner, give
from .filters import FILTERS, UnsafeValue

# Files an admin installs beside their Asterisk (templates named FILE.j2).
SYSTEM_FILES = ("extensions.conf", "pjsip.conf", "manager.conf", "cdr_custom.conf")
# Extra files a private instance started by smartnumber needs (templates instance/FILE.j2).
INSTANCE_FILES = (
    "asterisk.conf",
    "modules.conf",
    "logger.conf",
    "rtp.conf",
    "cdr.conf",
    "indications.conf",
)
# Optional files Asterisk logs an error about when absent; defaults are right for us.
INSTANCE_DEFAULTED = ("cel.conf", "features.conf", "acl.conf", "udptl.conf", "pjproject.conf")


def shipped_templates() -> Path:
    return Path(str(resources.files("smartnumber.asterisk.templates")))


def environment(override_dir: Path | None = None) -> jinja2.Environment:
    loaders: list[jinja2.BaseLoader] = []
    if override_dir is not None:
        if not override_dir.is_dir():
            raise UserError(f"templates directory {override_dir} does not exist")
        loaders.append(jinja2.FileSystemLoader(str(override_dir)))
    loaders.append(jinja2.FileSystemLoader(str(shipped_templates())))
    env = jinja2.Environment(
        loader=jinja2.ChoiceLoader(loaders),
        undefined=jinja2.StrictUndefined,
        autoescape=False,  # noqa: S701 - output is Asterisk config, escaped by our filters
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(FILTERS)
    env.globals.update(names.jinja_globals())  # the one contract with the code (names.py)
    return env


def render(env: jinja2.Environment, template: str, context: Mapping[str, Any]) -> str:
    try:
        return env.get_template(template).render(context)
    except UnsafeValue as exc:
        raise UserError(f"{template}: {exc}") from None
    except jinja2.UndefinedError as exc:
        raise UserError(f"{template}: {exc.message}") from None
    except jinja2.TemplateSyntaxError as exc:
        raise UserError(f"{exc.filename or template}:{exc.lineno}: {exc.message}") from None
    except jinja2.TemplateNotFound as exc:
        raise UserError(f"template {exc.name} not found") from None


def write_files(
    env: jinja2.Environment,
    out_dir: Path,
    context: Mapping[str, Any],
    *,
    instance: bool = False,
    owner: Owner | None = None,
) -> list[Path]:
    """Render every file into out_dir; each file is replaced atomically, 0640 and given
    to `owner` (USER:GROUP Asterisk reads them as) when there is one: they hold the AMI
    secrets and the SIP passwords."""
    jobs = [(f"{name}.j2", name) for name in SYSTEM_FILES]
    if instance:
        jobs += [(f"instance/{name}.j2", name) for name in INSTANCE_FILES]
        jobs += [("instance/defaults.conf.j2", name) for name in INSTANCE_DEFAULTED]
    rendered = [(name, render(env, template, context)) for template, name in jobs]
    if not out_dir.exists():  # a directory we make: private to us and Asterisk's group
        out_dir.mkdir(parents=True)
        give(out_dir, owner, CONFIG_DIR_MODE, group_only=True)
    written = []
    for name, text in rendered:
        target = out_dir / name
        fd, tmp = tempfile.mkstemp(dir=out_dir, prefix=f".{name}.")  # 0600 from the start
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(text)
            give(Path(tmp), owner, CONFIG_FILE_MODE)
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        written.append(target)
    return written
