"""Asterisk's CDR, as cdr_custom.conf writes it for smartnumber: one CSV line per CDR,
with the call's reference and media id (CDR variables the dialplan set), disposition,
billsec and dstchannel. read() turns the lines added since an offset into one record per
call for the reconciler (calls/reconcile.py).
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from ..calls.call_record import is_reference
from ..calls.reconcile import CallRecord
from ..model import CallOutcome
from .events import dial_outcome

DISPOSITIONS = {  # CDR disposition -> the DIALSTATUS the hangup handler would have said
    "ANSWERED": "ANSWER",
    "NO ANSWER": "NOANSWER",
    "BUSY": "BUSY",
    "FAILED": "CHANUNAVAIL",
    "CONGESTION": "CONGESTION",
}


@dataclass(frozen=True)
class CdrLine:
    """One CDR line (cdr_custom.conf's columns)."""

    call: str  # the call's reference
    media: str
    disposition: str
    billsec: int
    dstchannel: str
    routed: str = ""  # what a routed call was to write (calls/call_record.py)


def read_lines(path: Path, offset: str | None) -> tuple[list[CdrLine], str]:
    """The whole lines added to the CDR file since `offset` ("<inode>:<bytes>") that
    name a call of ours, and the new offset. A file replaced (rotated) or shorter than
    before is read from its start; a line still being written waits for next time."""
    try:
        stat = path.stat()
    except FileNotFoundError:
        return [], offset or ""
    inode, _, done = (offset or "").partition(":")
    start = int(done) if inode == str(stat.st_ino) and done.isdigit() else 0
    if start > stat.st_size:
        start = 0
    with path.open("rb") as handle:
        handle.seek(start)
        data = handle.read()
    whole = data[: data.rfind(b"\n") + 1]
    rows = csv.reader(whole.decode("utf-8", "replace").splitlines())
    lines = [_line(row) for row in rows if len(row) >= 5 and row[0]]
    return [line for line in lines if line is not None], f"{stat.st_ino}:{start + len(whole)}"


def _line(row: list[str]) -> CdrLine | None:
    call, media_id, disposition, billsec, dstchannel = (c.strip() for c in row[:5])
    if not is_reference(call):
        return None
    routed = row[7].strip() if len(row) > 7 else ""  # a column added on 2026-12-07
    return CdrLine(
        call, media_id, disposition, int(billsec) if billsec.isdigit() else 0, dstchannel, routed
    )


def outcome_of(lines: Iterable[CdrLine]) -> CallOutcome | None:
    """What the CDRs of one call say: answered (by which channel, for how long) if any
    was answered, else the last one's disposition. None when no CDR shows another party
    was ever dialled (a click-to-call the agent did not answer)."""
    dialled = [line for line in lines if line.dstchannel]
    if not dialled:
        return None
    answered = [line for line in dialled if line.disposition == "ANSWERED"]
    chosen = answered[0] if answered else dialled[-1]
    # The CDR does not say which number a trunk leg rang: the answerer through the trunk
    # stays unnamed; an agent's endpoint is named by its channel.
    return dial_outcome(
        DISPOSITIONS.get(chosen.disposition, chosen.disposition),
        chosen.dstchannel,
        "",
        chosen.billsec if answered else None,
    )


def read(path: Path, offset: str | None) -> tuple[list[CallRecord], str]:
    """One record per call of the lines added since `offset`, and the new offset."""
    lines, new_offset = read_lines(path, offset)
    by_call: dict[str, list[CdrLine]] = {}
    for line in lines:
        by_call.setdefault(line.call, []).append(line)
    records = [
        CallRecord(
            reference=call,
            media_id=next((line.media for line in its if line.media), ""),
            outcome=outcome_of(its),
            routed=next((line.routed for line in its if line.routed), ""),
        )
        for call, its in by_call.items()
    ]
    return records, new_offset
