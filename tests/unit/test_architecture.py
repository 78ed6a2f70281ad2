"""The house's import rules, read from the code (docs/architecture.md draws them).

Each room of smartnumber/ may import only the rooms listed for it: pure decisions stay
pure, SQL stays behind the repository, Asterisk syntax stays in asterisk/, and the CLI
reaches the rest only through the use cases in app/.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "smartnumber"

SHARED = {
    "model",
    "errors",
    "phone",
    "area_codes",
    "clock",
    "logs",
    "claims",
}  # nouns and helpers for every room
DOMAIN = {"directory", "calls", "texting", "webhooks"}
# room -> the rooms it may import (besides itself and SHARED)
ALLOWED: dict[str, set[str]] = {
    "routing": set(),
    "spam": set(),
    "settings": {"storage.repository", "egress"},
    "egress": set(),  # where we may post and fetch: the one outbound-HTTP policy
    "storage": set(),
    "media": {"asterisk.ownership"},  # the files are shared with Asterisk's user
    "directory": {"settings", "media", "routing", "spam", "storage.repository"} | DOMAIN,
    "calls": {"settings", "media", "routing", "spam", "storage.repository"} | DOMAIN,
    "texting": {"settings", "media", "routing", "spam", "storage.repository", "egress"} | DOMAIN,
    "webhooks": {"settings", "storage.repository", "egress"},
    "access": {"storage.repository"},
    "asterisk": {"settings", "media", "routing", "storage"} | DOMAIN,
    "app": {"settings", "media", "routing", "storage", "access"} | DOMAIN,
    "service": {"settings", "media", "storage", "asterisk", "api.app"} | DOMAIN,
    "demo": {"settings", "media", "storage", "asterisk", "app"} | DOMAIN,
    "cli": {"app", "service.run", "service.api", "demo.run"},
    # the HTTP door: the same use cases as the CLI, and who is asking (access)
    "api": {"app", "access"},
}
# room -> rooms of which it may import only the package itself (its "face"): e.g.
# directory/ asks asterisk/ which section names are reserved, nothing more; the use cases
# reach Asterisk through its face (asterisk/__init__.py) and ports the process wires
# (click-to-call's CallPlacer); the CLI opens a store but never touches a repository.
FACES: dict[str, set[str]] = {room: {"asterisk"} for room in DOMAIN} | {
    "app": {"asterisk"},
    "cli": {"storage"},
    "api": {"storage"},
}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported(path: Path) -> set[str]:
    """The smartnumber modules (or packages) a file imports, relative imports resolved."""
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            for alias in node.names:
                full = f"{module}.{alias.name}"
                is_module = (ROOT / (full.replace(".", "/") + ".py")).exists() or (
                    ROOT / full.replace(".", "/")
                ).is_dir()
                found.add(full if is_module else module)
        elif isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
    return {m.removeprefix("smartnumber.") for m in found if m.startswith("smartnumber.")}


def room_of(module: str) -> str:
    return module.removeprefix("smartnumber.").split(".")[0]


def allowed(room: str, target: str) -> bool:
    target_room = room_of(target)
    if target_room in SHARED or target_room == room:
        return True
    if target_room in FACES.get(room, set()):
        return target == target_room
    rules = ALLOWED[room]
    return target_room in rules or any(target == r or target.startswith(f"{r}.") for r in rules)


MODULES = sorted(p for p in PACKAGE.rglob("*.py") if p.name not in {"__main__.py"})


def test_every_room_has_rules() -> None:
    rooms = {room_of(module_name(p).removeprefix("smartnumber")[1:] or "x") for p in MODULES}
    rooms -= {"x"}  # smartnumber/__init__.py
    assert rooms <= set(ALLOWED) | SHARED, sorted(rooms - set(ALLOWED) - SHARED)


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_imports_follow_the_house_rules(path: Path) -> None:
    name = module_name(path).removeprefix("smartnumber")[1:]
    if not name or room_of(name) in SHARED:
        return
    room = room_of(name)
    wrong = sorted(t for t in imported(path) if not allowed(room, t))
    assert wrong == [], f"{room}/ may not import {wrong}"


def test_the_cli_runs_no_transaction_of_its_own() -> None:
    """Click commands call use cases; a query or a transaction in cli/ belongs in app/."""
    for path in (PACKAGE / "cli").glob("*.py"):
        text = path.read_text(encoding="utf-8")
        assert ".transaction(" not in text and "repo." not in text, path.name


def test_nothing_shipped_or_benched_imports_the_tests() -> None:
    for folder in ("smartnumber", "bench", "lab"):
        for path in (ROOT / folder).rglob("*.py"):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for node in ast.walk(tree):
                names = []
                if isinstance(node, ast.Import):
                    names = [a.name for a in node.names]
                elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                    names = [node.module]
                assert not any(n.split(".")[0] == "tests" for n in names), path
