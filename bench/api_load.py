"""A steady stream of CRM requests at a fixed rate (open loop), for bench.load to run
beside calls: timeline reads and contact searches by phone on random contacts."""

from __future__ import annotations

import asyncio
import random
import time
from typing import Any

import httpx

from bench import dataset
from bench.routing import percentiles


async def drive(
    base_url: str, token: str, rps: int, contacts: int, stop: asyncio.Event, seed: int = 7
) -> dict[str, Any]:
    """Issue `rps` requests a second until `stop`; their latencies and statuses."""
    rng = random.Random(seed)
    latencies: list[float] = []
    statuses: dict[str, int] = {}
    tasks: set[asyncio.Task[None]] = set()
    async with httpx.AsyncClient(
        base_url=base_url,
        headers={"authorization": f"Bearer {token}"},
        timeout=30,
        limits=httpx.Limits(max_connections=32, max_keepalive_connections=32),
    ) as client:

        async def one(n: int) -> None:
            index = rng.randrange(contacts)
            start = time.perf_counter()
            try:
                if n % 2:
                    answer = await client.get(
                        f"/v1/contacts/{index + 1}/timeline", params={"limit": 20}
                    )
                else:
                    answer = await client.get(
                        "/v1/contacts", params={"phone": dataset.phone_of(index)}
                    )
                key = str(answer.status_code)
            except httpx.HTTPError as exc:
                key = type(exc).__name__
            latencies.append(time.perf_counter() - start)
            statuses[key] = statuses.get(key, 0) + 1

        began = time.perf_counter()
        sent = 0
        while not stop.is_set():
            due = began + sent / rps
            wait = due - time.perf_counter()
            if wait > 0:
                try:
                    await asyncio.wait_for(stop.wait(), wait)
                    break
                except TimeoutError:
                    pass
            task = asyncio.create_task(one(sent))
            tasks.add(task)
            task.add_done_callback(tasks.discard)
            sent += 1
        if tasks:
            await asyncio.wait(tasks)
        elapsed = time.perf_counter() - began
    return {
        "target_rps": rps,
        "sent": sent,
        "achieved_rps": round(sent / elapsed, 1) if elapsed else 0,
        "statuses": statuses,
        "latency": percentiles(latencies) if latencies else None,
    }
