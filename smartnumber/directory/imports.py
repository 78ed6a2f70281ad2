"""Bulk imports from the CRM: contacts (CSV) and activities (CSV or JSON lines).

Each row is checked on its own: a bad row is reported with its line number and the
good rows are kept. Re-importing activities that carry an `id` adds nothing twice.
Rows are committed in batches (BATCH_ROWS), with a pause between batches: the routing
service, which writes on every call and text, gets the database in between, so calls
keep routing by rule during an import of any size (and an interrupted import keeps the
batches it committed).
"""

from __future__ import annotations

import asyncio
import csv
import json
from collections.abc import Awaitable, Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from itertools import islice
from pathlib import Path
from typing import Any, TextIO, TypeVar

from .. import clock
from ..errors import UserError
from ..storage.repository import Repository, Store
from ..texting import consent
from . import contacts

Progress = Callable[[int], None]
Row = TypeVar("Row")
BATCH_ROWS = 200  # rows per transaction: a few tens of milliseconds of the write lock
PAUSE_SECONDS = 0.02  # between batches: others waiting for the lock get it


@dataclass
class ImportReport:
    added: int = 0
    skipped: int = 0  # already imported (same external id)
    errors: list[tuple[int, str]] = field(default_factory=list)  # (line, message)

    def as_dict(self) -> dict[str, Any]:
        return {
            "added": self.added,
            "skipped": self.skipped,
            "errors": [{"line": line, "error": msg} for line, msg in self.errors],
        }


def count_rows(path: Path) -> int:
    """Lines in the file, for sizing a progress bar."""
    with path.open("rb") as handle:
        return sum(1 for _ in handle)


def _open(path: Path) -> TextIO:
    try:
        return path.open(newline="", encoding="utf-8-sig")
    except OSError as exc:
        raise UserError(f"cannot read {path}: {exc.strerror}") from None


def _csv_rows(handle: TextIO, required: set[str]) -> Iterator[tuple[int, dict[str, str]]]:
    reader = csv.DictReader(handle)
    header = {h.strip().lower() for h in (reader.fieldnames or [])}
    missing = required - header
    if missing:
        raise UserError(f"the CSV header lacks column(s): {', '.join(sorted(missing))}")
    for row in reader:
        cleaned = {
            (k or "").strip().lower(): (v or "").strip()
            for k, v in row.items()
            if isinstance(v, str)
        }
        yield reader.line_num, cleaned


def _json_rows(handle: TextIO) -> Iterator[tuple[int, dict[str, Any] | str]]:
    for line_no, line in enumerate(handle, start=1):
        if not line.strip():
            continue
        try:
            value = json.loads(line)
        except json.JSONDecodeError as exc:
            yield line_no, f"not JSON: {exc.msg}"
            continue
        yield line_no, value if isinstance(value, dict) else "each line must be a JSON object"


def _batched(rows: Iterable[Row], size: int) -> Iterator[list[Row]]:
    it = iter(rows)
    while batch := list(islice(it, size)):
        yield batch


async def _in_batches(
    store: Store,
    rows: Iterable[tuple[int, Row]],
    one: Callable[[Repository, Row], Awaitable[bool]],
    progress: Progress | None,
) -> ImportReport:
    """Import rows BATCH_ROWS to a transaction: `one` says added (True) or already there
    (False), or raises UserError for a bad row, which is reported by its line."""
    report = ImportReport()
    for batch in _batched(rows, BATCH_ROWS):
        async with store.transaction() as repo:
            for line_no, row in batch:
                try:
                    if await one(repo, row):
                        report.added += 1
                    else:
                        report.skipped += 1
                except UserError as exc:
                    report.errors.append((line_no, str(exc)))
        if progress:
            progress(batch[-1][0])
        await asyncio.sleep(PAUSE_SECONDS)
    return report


async def import_contacts(
    store: Store, path: Path, *, now: datetime, progress: Progress | None = None
) -> ImportReport:
    """CSV columns: name, phone (several separated by ';'), optional owner, line_type,
    consent (web-form, text-code, verbal or import: how these numbers consented to texts)
    and consent_evidence (else "contact import of FILE")."""

    async def one(repo: Repository, row: dict[str, str]) -> bool:
        phones = [p for p in row.get("phone", "").replace("|", ";").split(";") if p.strip()]
        method = row.get("consent", "").strip()
        if method:
            consent.method_of(method)  # a bad one refuses the row before anything is added
        made, _ = await contacts.add_contact(
            repo,
            row.get("name", ""),
            phones,
            now=now,
            owner=row.get("owner") or None,
            line_type=row.get("line_type") or "unknown",
            source="import",
        )
        if method:
            evidence = row.get("consent_evidence", "").strip() or f"contact import of {path.name}"
            for number in made.phones:
                await consent.record(repo, number.e164, method, evidence, now)
        return True

    with _open(path) as handle:
        return await _in_batches(store, _csv_rows(handle, {"name", "phone"}), one, progress)


def _looks_like_json_lines(path: Path) -> bool:
    if path.suffix.lower() in {".jsonl", ".ndjson", ".json"}:
        return True
    if path.suffix.lower() == ".csv":
        return False
    with _open(path) as handle:
        for line in handle:
            if line.strip():
                return line.lstrip().startswith("{")
    return False


async def import_activities(
    store: Store, path: Path, *, progress: Progress | None = None
) -> ImportReport:
    """Fields: contact, kind, direction, at; optional agent, contact_name, smart_number,
    detail (text or object), id (the CRM's id, so a re-import adds nothing twice)."""

    async def one(repo: Repository, row: dict[str, Any] | str) -> bool:
        if isinstance(row, str):
            raise UserError(row)
        return await _import_activity(repo, row)

    with _open(path) as handle:
        rows: Iterator[tuple[int, dict[str, Any] | str]]
        if _looks_like_json_lines(path):
            rows = _json_rows(handle)
        else:
            rows = iter(_csv_rows(handle, {"contact", "kind", "direction", "at"}))
        return await _in_batches(store, rows, one, progress)


async def _import_activity(repo: Repository, row: dict[str, Any]) -> bool:
    def text(key: str) -> str | None:
        value = row.get(key)
        if value is None or value == "":
            return None
        if not isinstance(value, str | int):
            raise UserError(f"field {key!r} must be text")
        return str(value)

    for key in ("contact", "kind", "direction", "at"):
        if text(key) is None:
            raise UserError(f"missing field {key!r}")
    detail = row.get("detail")
    if isinstance(detail, str):
        detail = {"text": detail} if detail else {}
    elif detail is not None and not isinstance(detail, dict):
        raise UserError("field 'detail' must be text or an object")
    added = await contacts.add_activity(
        repo,
        contact_number=str(text("contact")),
        contact_name=text("contact_name"),
        kind=str(text("kind")),
        direction=str(text("direction")),
        at=clock.parse_iso(str(text("at"))),
        agent=text("agent"),
        smart_number=text("smart_number"),
        detail=detail or {},
        external_id=text("id"),
    )
    return added is not None
