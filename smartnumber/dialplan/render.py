"""Render Asterisk configuration from the shipped templates (smartnumber/asterisk_conf/).

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

from ..agi import channelvars
from ..errors import UserError
from .filters import FILTERS, UnsafeValue

# Files an admin installs beside their Asterisk (templates named FILE.j2).
SYSTEM_FILES = ("extensions.conf", "pjsip.conf", "manager.conf")
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
    return Path(str(resources.files("smartnumber.asterisk_conf")))


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
    env.globals["var"] = channelvars.ALL
    env.globals["call_ended_event"] = channelvars.CALL_ENDED_EVENT
    env.globals["verify_event"] = channelvars.VERIFY_EVENT
    env.globals["verify_digits"] = channelvars.VERIFY_DIGITS
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
) -> list[Path]:
    """Render every file into out_dir; each file is replaced atomically."""
    jobs = [(f"{name}.j2", name) for name in SYSTEM_FILES]
    if instance:
        jobs += [(f"instance/{name}.j2", name) for name in INSTANCE_FILES]
        jobs += [("instance/defaults.conf.j2", name) for name in INSTANCE_DEFAULTED]
    rendered = [(name, render(env, template, context)) for template, name in jobs]
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for name, text in rendered:
        target = out_dir / name
        fd, tmp = tempfile.mkstemp(dir=out_dir, prefix=f".{name}.")
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.chmod(tmp, 0o640)  # holds the AMI secret and SIP passwords
        os.replace(tmp, target)
        written.append(target)
    return written
