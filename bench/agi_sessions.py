"""Hold N FastAGI sessions open on one smartnumber service at the same time.

Each client speaks FastAGI like Asterisk does for AGI(agi://.../incoming): it sends the
agi_* header block and answers commands. Every client withholds its first answer until
all N have been asked their first question, so the service provably holds N live
sessions at once; then all of them are answered and must end with the status OK in their
answer (SMARTNUMBER_ANSWER).
"""

from __future__ import annotations

import asyncio
import re
import resource
import time
from collections.abc import Sequence
from typing import Any

from smartnumber.asterisk import names
from smartnumber.asterisk.agi import answer

# The rest of what Asterisk 16 sends before the arguments.
_ASTERISK_LINES = "".join(
    f"agi_{k}: {v}\n"
    for k, v in (
        ("language", "en"), ("type", "PJSIP"), ("uniqueid", "1700000000.1"),
        ("version", "16.28.0"), ("calleridname", "unknown"), ("callingpres", "0"),
        ("callingani2", "0"), ("callington", "0"), ("callingtns", "0"), ("dnid", "unknown"),
        ("rdnis", "unknown"), ("context", "smartnumber-route"), ("extension", "s"),
        ("priority", "1"), ("enhanced", "0.0"), ("accountcode", ""),
        ("threadid", "140000000000000"),
    )
)  # fmt: skip
_SET = re.compile(r'^SET VARIABLE (\S+) "(.*)"$')


async def _asking(
    port: int, token: str, caller: str, more: str = ""
) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    """Connect and send the header block of AGI(agi://.../incoming)."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(
        (
            f"agi_network: yes\nagi_network_script: incoming?token={token}\n"
            f"agi_request: agi://127.0.0.1:{port}/incoming?token={token}\n"
            f"agi_channel: PJSIP/trunk-load\n{_ASTERISK_LINES}agi_callerid: {caller}\n{more}\n"
        ).encode()
    )
    await writer.drain()
    return reader, writer


async def _session(
    port: int,
    token: str,
    did: str,
    caller: str,
    all_asked: asyncio.Event,
    asked: list[int],
    n: int,
) -> str | None:
    reader, writer = await _asking(port, token, caller)
    try:
        status = None
        first = True
        while line := await reader.readline():
            command = line.decode().rstrip("\n")
            if first:
                first = False
                asked[0] += 1
                if asked[0] == n:
                    all_asked.set()
                await all_asked.wait()
            if command.startswith("GET VARIABLE "):
                name = command.split(" ", 2)[2]
                reply = f"200 result=1 ({did})" if name == names.DID else "200 result=0"
            else:
                match = _SET.match(command)
                if match and match[1] == names.ANSWER:
                    status = answer.decode(match[2])[names.AnswerField.STATUS]
                reply = "200 result=1"
            writer.write(reply.encode() + b"\n")
            await writer.drain()
        return status
    finally:
        writer.close()


async def hold(
    port: int, token: str, n: int, did: str, callers: Sequence[str], timeout: float = 60.0
) -> dict[str, Any]:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < n + 100:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, n + 1000), hard))
    all_asked = asyncio.Event()
    asked = [0]
    start = time.perf_counter()
    tasks = [
        asyncio.create_task(
            _session(port, token, did, callers[i % len(callers)], all_asked, asked, n)
        )
        for i in range(n)
    ]
    try:
        await asyncio.wait_for(all_asked.wait(), timeout)
        held_after = time.perf_counter() - start
        results = await asyncio.wait_for(asyncio.gather(*tasks, return_exceptions=True), timeout)
    finally:
        for task in tasks:
            task.cancel()
    statuses: dict[str, int] = {}
    for result in results:
        key = result if isinstance(result, str) else type(result).__name__
        statuses[key] = statuses.get(key, 0) + 1
    return {
        "sessions": n,
        "held_at_once": asked[0],
        "seconds_to_hold_all": round(held_after, 3),
        "seconds_total": round(time.perf_counter() - start, 3),
        "statuses": statuses,
    }


async def _call(
    port: int, token: str, did: str, caller: str, go: asyncio.Event
) -> tuple[str, float]:
    """One call as Asterisk makes it (the DID and the time it asks as AGI arguments):
    (status, seconds from connecting to the answer)."""
    await go.wait()
    start = time.perf_counter()
    # As the dialplan does: the DID, and when Asterisk asked (the budget counts from it).
    asked = f"agi_arg_1: {did}\nagi_arg_2: {time.time():.3f}\n"
    reader, writer = await _asking(port, token, caller, asked)
    try:
        while line := await reader.readline():
            match = _SET.match(line.decode().rstrip("\n"))
            writer.write(b"200 result=1\n")
            await writer.drain()
            if match and match[1] == names.ANSWER:
                status = answer.decode(match[2])[names.AnswerField.STATUS]
                return status, time.perf_counter() - start
        return "closed", time.perf_counter() - start
    finally:
        writer.close()


async def burst(
    port: int, token: str, n: int, did: str, callers: Sequence[str], timeout: float = 60.0
) -> dict[str, Any]:
    """N calls arriving at once: how many were routed by rule (OK), and how long the
    slowest answer took."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < n + 100:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, n + 1000), hard))
    go = asyncio.Event()
    tasks = [
        asyncio.create_task(_call(port, token, did, callers[i % len(callers)], go))
        for i in range(n)
    ]
    await asyncio.sleep(0)  # every task waits on `go`: released in one step
    go.set()
    results = await asyncio.wait_for(asyncio.gather(*tasks, return_exceptions=True), timeout)
    statuses: dict[str, int] = {}
    waits = []
    for result in results:
        key = result[0] if isinstance(result, tuple) else type(result).__name__
        statuses[key] = statuses.get(key, 0) + 1
        if isinstance(result, tuple):
            waits.append(result[1])
    waits.sort()
    return {
        "calls": n,
        "statuses": statuses,
        "routed_by_rule": statuses.get("OK", 0) / n,
        "answer_p50_ms": round(waits[len(waits) // 2] * 1000, 1) if waits else None,
        "answer_max_ms": round(waits[-1] * 1000, 1) if waits else None,
    }
