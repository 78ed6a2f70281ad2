"""Everything that knows Asterisk: its names, dial strings, the AMI, the FastAGI server
and handlers, the dialplan and its templates, the private instance, the CDR.

The domain packages (directory/, calls/, texting/) never reach in here: they speak of
Rings and texts, and the service and application layers hand those to Asterisk. What
they and app/ may use is this package's face, below (tests/unit/test_architecture.py
holds them to it); the service and the demo, which run Asterisk's side, may use more.

The face loads its parts when first asked for them: the domain rooms import it for
RESERVED_SECTIONS, and loading the AMI and the dialplan then would import them back.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from .names import SECTIONS as RESERVED_SECTIONS

if TYPE_CHECKING:
    from .ami import AmiConfig, cli_login
    from .check import DANGER, Finding, check_files, check_live
    from .dialplan.context import build as config_data
    from .dialplan.render import environment as templates_environment
    from .dialplan.render import write_files as write_config
    from .instance import PrivateAsterisk, system_rx
    from .originate import AmiCallPlacer
    from .ownership import Owner
    from .registrations import Registration
    from .registrations import of_aor as registrations_of
    from .verify_call import keyed_code

# name on the face -> (module, its name there)
_FACE = {
    "AmiConfig": ("ami", "AmiConfig"),  # an AMI login
    "cli_login": ("ami", "cli_login"),  # the CLI's own: it may originate
    "AmiCallPlacer": ("originate", "AmiCallPlacer"),  # click-to-call's CallPlacer
    "keyed_code": ("verify_call", "keyed_code"),  # the caller-ID verification call
    "Registration": ("registrations", "Registration"),
    "registrations_of": ("registrations", "of_aor"),  # where an agent's phone is now
    "config_data": ("dialplan.context", "build"),  # what the templates are rendered from
    "templates_environment": ("dialplan.render", "environment"),
    "write_config": ("dialplan.render", "write_files"),
    "PrivateAsterisk": ("instance", "PrivateAsterisk"),
    "system_rx": ("instance", "system_rx"),  # `asterisk -rx` on the system's Asterisk
    "Owner": ("ownership", "Owner"),
    "Finding": ("check", "Finding"),  # what `asterisk check` finds
    "DANGER": ("check", "DANGER"),
    "check_files": ("check", "check_files"),
    "check_live": ("check", "check_live"),
}

__all__ = [
    "DANGER",
    "RESERVED_SECTIONS",
    "AmiCallPlacer",
    "AmiConfig",
    "Finding",
    "Owner",
    "PrivateAsterisk",
    "Registration",
    "check_files",
    "check_live",
    "cli_login",
    "config_data",
    "keyed_code",
    "registrations_of",
    "system_rx",
    "templates_environment",
    "write_config",
]


assert set(__all__) == {"RESERVED_SECTIONS", *_FACE}


def __getattr__(name: str) -> Any:
    if name not in _FACE:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    module, attribute = _FACE[name]
    found = getattr(importlib.import_module(f".{module}", __name__), attribute)
    globals()[name] = found  # asked once
    return found
