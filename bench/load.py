"""Call load through a real Asterisk: smartnumber's routing beside a bare dialplan.

    python -m bench.load --rates 10,25,50,100 --seconds 20

On the benchmark store (see bench/routing.py), starts a private Asterisk and
`smartnumber serve`, one sipp phone answering for every agent (127.0.0.20), and for
each rate runs a sipp caller on the trunk (127.0.0.2) against two DIDs in turn:
  bare         Dial straight to an agent's endpoint, no AGI (bench/asterisk-conf/);
  smartnumber  the Smart Number's own context: FastAGI routing, then Dial.
Post-dial delay is what the caller sees: INVITE sent -> 180 Ringing received, from the
microsecond timestamps of sipp's message trace (its -trace_rtt has whole milliseconds).
Then it holds N FastAGI sessions open on the service at once (bench/agi_sessions.py)
and reads the service's memory. Writes bench/results/load.json.
"""

from __future__ import annotations

import asyncio
import contextlib
import csv
import os
import random
import re
import resource
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import click
import uvloop

from bench import agi_sessions, dataset
from bench import api_load as api_load_module
from bench import postgres as bench_postgres
from bench.bulk import BulkLoader
from bench.routing import NOW, percentiles, store_options, write_result
from lab.postgres import Cluster
from lab.system import TRUNK_ADDRESS, System
from smartnumber.asterisk.dialplan import render
from smartnumber.demo.sipp import SippParty, post_dial_delays, scenario
from smartnumber.storage import open_store

BENCH = Path(__file__).parent
BARE_NUMBER = "+12129990000"
PHONE = ("127.0.0.20", 5060)  # one sipp phone answers for every agent


def write_callers(path: Path, contacts: int, count: int, seed: int) -> list[str]:
    """sipp injection file: 70% known contacts' numbers, 30% unknown numbers."""
    rng = random.Random(seed)
    numbers = [
        dataset.phone_of(rng.randrange(contacts))
        if rng.random() < 0.7
        else dataset.unknown_phone(rng.randrange(10**6))
        for _ in range(count)
    ]
    path.write_text("SEQUENTIAL\n" + "".join(f"{n};\n" for n in numbers))
    return numbers


def read_counts(stat_file: Path) -> dict[str, int]:
    """Final cumulative counters from sipp's -trace_stat file."""
    with stat_file.open() as handle:
        rows = list(csv.reader(handle, delimiter=";"))
    header, last = rows[0], rows[-1]
    value = dict(zip(header, last, strict=False))
    return {
        "attempted": int(value["OutgoingCall(C)"]),
        "completed": int(value["SuccessfulCall(C)"]),
        "failed": int(value["FailedCall(C)"]),
    }


async def run_rate(
    system: System,
    label: str,
    number: str,
    rate: int,
    seconds: int,
    hold_ms: int,
    callers_csv: Path,
    api: tuple[str, int, int] | None = None,
) -> dict[str, Any]:
    """One rate step; with `api` (token, requests a second, contacts), the HTTP API
    serves that stream of CRM requests meanwhile."""
    steps = system.root / "load"
    workdir = steps / f"{label}-{rate}-{len(list(steps.glob('*'))) if steps.exists() else 0}"
    workdir.mkdir(parents=True)  # a rate may be repeated (--rates 100,100: memory growth)
    calls = rate * seconds
    party = SippParty(
        name="caller",
        scenario=BENCH / "sipp" / "load-caller.xml",
        address=TRUNK_ADDRESS,
        port=int(system.settings["trunk.port"]),
        workdir=workdir,
        remote=f"127.0.0.1:{system.settings['sip.port']}",
        service=number,
        calls=calls,
        hold_ms=hold_ms,
        timeout_s=seconds + 60,
        extra=[
            "-r",
            str(rate),
            "-rp",
            "1000",
            "-inf",
            str(callers_csv),
            "-recv_timeout",
            "10000",
            "-trace_rtt",
            "-rtt_freq",
            "1",
            "-trace_stat",
            "-stf",
            str(workdir / "stats.csv"),
            "-fd",
            "1",
            "-l",
            str(max(10, rate * 5)),
        ],
    )
    processes = {"asterisk": system.instance.pid(), "service": system.service_pid}
    if api:
        processes["api"] = system.api_pid
    cpu_before = {name: cpu_seconds(pid) for name, pid in processes.items()}
    own_before = resource.getrusage(resource.RUSAGE_SELF)
    stop_api_load = asyncio.Event()
    api_load = (
        asyncio.create_task(
            api_load_module.drive(system.api_url, api[0], api[1], api[2], stop_api_load)
        )
        if api
        else None
    )
    await party.start()
    result = await party.wait()
    stop_api_load.set()
    api_figures = await api_load if api_load else None
    if api_figures is not None:  # the request generator shares this machine's cores
        own = resource.getrusage(resource.RUSAGE_SELF)
        api_figures["generator_cpu_seconds"] = round(
            own.ru_utime + own.ru_stime - own_before.ru_utime - own_before.ru_stime, 2
        )
    counts = read_counts(workdir / "stats.csv")
    cpu_ms = {
        name: round((cpu_seconds(pid) - cpu_before[name]) * 1000 / max(1, counts["attempted"]), 3)
        for name, pid in processes.items()
    }
    delays = post_dial_delays(result.messages)
    pdd = percentiles(delays) if delays else None
    click.echo(
        f"  {label:<11} {rate:>4} calls/s: {counts} post-dial delay "
        f"p50/p95/p99 {pdd and (pdd['p50_ms'], pdd['p95_ms'], pdd['p99_ms'])} ms"
        f" CPU ms per call {cpu_ms} (sipp exit {result.returncode})"
        + (f" API {api_figures}" if api_figures else ""),
        err=True,
    )
    return {
        "dialplan": label,
        "rate": rate,
        "seconds": seconds,
        **counts,
        "post_dial_delay": pdd,
        "cpu_ms_per_call": cpu_ms,
        # after the step: bare and smartnumber steps alternate on one Asterisk, so its
        # growth per step says which dialplan (if either) adds to it
        "asterisk_memory": memory_of(processes["asterisk"]) if processes["asterisk"] else None,
        "errors": error_summary(workdir / "caller.errors.log"),
        "api_load": api_figures,
    }


def error_summary(path: Path, most: int = 3) -> dict[str, int]:
    """What sipp said went wrong, by kind, most frequent first. Each error is one dated
    line (the SIP message it quotes follows on lines of its own, not counted)."""
    kinds: dict[str, int] = {}
    if path.exists():
        for line in path.read_text(errors="replace").splitlines():
            if not re.match(r"^\d{4}-\d\d-\d\d\t", line):
                continue
            message = line.split(": ", 1)[-1]
            message = re.sub(r"'[^']*@[^']*'", "'<call>'", message)  # Call-IDs
            kind = re.sub(r"\d+", "N", message.strip())[:160]
            kinds[kind] = kinds.get(kind, 0) + 1
    return dict(sorted(kinds.items(), key=lambda kv: -kv[1])[:most])


def cpu_seconds(pid: int | None) -> float:
    """User + system CPU time a process has used so far."""
    if pid is None:
        return 0.0
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def pin_to(core: int, pid: int | None) -> None:
    """Every thread of the process on this core only (as `taskset -a -cp` does)."""
    assert pid is not None
    for thread in Path(f"/proc/{pid}/task").iterdir():
        os.sched_setaffinity(int(thread.name), {core})


def memory_of(pid: int) -> dict[str, int]:
    values = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, rest = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            values[key] = round(int(rest.split()[0]) / 1024)
    return {"rss_mib": values["VmRSS"], "peak_rss_mib": values["VmHWM"]}


async def load(
    store: Path,
    contacts: int,
    rates: list[int],
    seconds: int,
    hold_ms: int,
    sessions: int,
    seed: int,
    dialplans: tuple[str, ...] = ("bare", "smartnumber"),
    api_rps: int = 0,
    burst: int = 0,
    serve_flags: tuple[str, ...] = (),
    on_postgres: bool = False,
    pin: bool = False,
) -> dict[str, Any]:
    loader = BulkLoader(store)
    loader.attach_endpoints(f"sip:{PHONE[0]}:{PHONE[1]}")
    loader.close()
    async with database_for(store, on_postgres) as database:
        system = System.create(database=database)
        # Each call holds two RTP port pairs (caller and agent legs): room for thousands.
        system.cli("settings", "set", "rtp.start", "20000")
        system.cli("settings", "set", "rtp.end", "39999")
        phone = SippParty(
            name="phone",
            scenario=scenario("agent"),
            address=PHONE[0],
            port=PHONE[1],
            workdir=system.root / "phone",
            calls=10**7,
            timeout_s=24 * 3600,
            trace=False,
        )
        try:
            system.start_asterisk()
            env = render.environment(BENCH / "asterisk-conf")
            etc = system.instance.dirs.etc
            (etc / "extensions-local.conf").write_text(
                render.render(
                    env,
                    "extensions-local.conf.j2",
                    {"bare": {"number": BARE_NUMBER, "dial": "PJSIP/agent1"}},
                )
            )
            system.rx("dialplan reload")
            # As on a production system under load: no per-step VERBOSE lines in the log. (The
            # private instance logs every dialplan step for debugging tests, which costs the
            # smartnumber dialplan's two dozen steps far more than bare's one.)
            system.rx("core set verbose 0")
            system.start_service(*serve_flags)
            if pin:  # Asterisk on the first core, the service on the second (all their threads)
                pin_to(0, system.instance.pid())
                pin_to(1, system.service_pid)
            api = None
            if api_rps:  # the CRM's stream of requests, served by `smartnumber api` beside
                token = system.token(f"bench-load-{int(time.time())}", "integration")
                system.cli("settings", "set", "api.rate_limit", str(api_rps * 2))
                system.start_api()
                api = (token, api_rps, contacts)
            await phone.start()
            await phone.listening()
            # Sessions first, on an idle service: after the highest rates it is still
            # writing thousands of call outcomes for a while.
            held = (
                await agi_sessions.hold(
                    int(system.settings["agi.port"]),
                    system.reveal("agi.token"),
                    sessions,
                    dataset.office_number(0),
                    [dataset.phone_of(i) for i in range(0, contacts, max(1, contacts // 500))],
                )
                if sessions
                else None
            )
            click.echo(f"  FastAGI sessions: {held}", err=True)
            pid = system.service_pid
            assert pid is not None
            arrived = None
            if burst:
                used = cpu_seconds(pid)
                arrived = await agi_sessions.burst(
                    int(system.settings["agi.port"]),
                    system.reveal("agi.token"),
                    burst,
                    dataset.office_number(0),
                    [dataset.phone_of(i) for i in range(0, contacts, max(1, contacts // 1000))],
                )
                # The answers' CPU (the writes after them go on for a while): until the last.
                arrived["service_cpu_ms_per_call"] = round(
                    (cpu_seconds(pid) - used) * 1000 / burst, 3
                )
            click.echo(f"  calls arriving at once: {arrived}", err=True)
            after_sessions = memory_of(pid)
            callers_csv = system.root / "callers.csv"
            write_callers(callers_csv, contacts, 5000, seed)
            runs = []
            for rate in rates:
                for label, number in (
                    ("bare", BARE_NUMBER),
                    ("smartnumber", dataset.office_number(0)),
                ):
                    if label not in dialplans:
                        continue
                    runs.append(
                        await run_rate(
                            system, label, number, rate, seconds, hold_ms, callers_csv, api
                        )
                    )
            return {
                "runs": runs,
                "agi_sessions": held,
                "burst": arrived,
                "service_memory": {"after_sessions": after_sessions, "after_load": memory_of(pid)},
            }
        finally:
            await phone.stop()
            system.close()


@contextlib.asynccontextmanager
async def database_for(store: Path, on_postgres: bool) -> AsyncIterator[Path | str]:
    """The store itself, or (on_postgres) a copy of it in a private PostgreSQL cluster."""
    if not on_postgres:
        yield store
        return
    cluster = Cluster.start()
    try:
        url = cluster.new_database("bench")
        sqlite, postgres = await open_store(store), await open_store(url)
        try:
            await bench_postgres.copied(sqlite, postgres, url)
        finally:
            await sqlite.close()
            await postgres.close()
        yield url
    finally:
        cluster.stop()


@click.command()
@store_options(BENCH / "results" / "load.json")
@click.option(
    "--rates", default="10,25,50,100", show_default=True, help="Calls per second, comma-separated."
)
@click.option("--seconds", default=20, show_default=True, help="Length of each rate step.")
@click.option("--hold-ms", default=1000, show_default=True, help="Talk time of each call.")
@click.option(
    "--sessions",
    default=1000,
    show_default=True,
    help="FastAGI sessions to hold open at once (0: skip this test).",
)
@click.option(
    "--burst",
    default=1000,
    show_default=True,
    help="Calls arriving at once, as Asterisk asks (0: skip this test).",
)
@click.option(
    "--postgres",
    "on_postgres",
    is_flag=True,
    help="Run the service on a copy of the store in a private PostgreSQL cluster.",
)
@click.option(
    "--pin",
    is_flag=True,
    help="Pin Asterisk to the first core and the service to the second (taskset).",
)
@click.option(
    "--serve-flags",
    default="",
    help="Extra options for `smartnumber serve`, e.g. '--routing-budget-ms 1000'.",
)
@click.option(
    "--api-rps",
    default=0,
    show_default=True,
    help="Also run `smartnumber api` and send it this many CRM requests a second"
    " during every rate step (0: no API).",
)
@click.option(
    "--dialplan",
    "dialplans",
    multiple=True,
    type=click.Choice(["bare", "smartnumber"]),
    default=("bare", "smartnumber"),
    show_default=True,
    help="Run only these dialplans (repeat the option); both for figures you publish.",
)
def main(
    contacts: int,
    activities: int,
    rates: str,
    seconds: int,
    hold_ms: int,
    sessions: int,
    db_dir: Path,
    out_file: Path,
    seed: int,
    dialplans: tuple[str, ...],
    api_rps: int,
    burst: int,
    serve_flags: str,
    on_postgres: bool,
    pin: bool,
) -> None:
    """Run calls at fixed rates through bare and smartnumber dialplans, side by side."""
    rate_list = [int(r) for r in rates.split(",") if r.strip()]
    store, built = dataset.ensure_store(db_dir, contacts, activities, NOW, seed)
    click.echo(f"store: {store}", err=True)
    figures = uvloop.run(  # the stand-ins for Asterisk as light as the service
        load(
            store,
            contacts,
            rate_list,
            seconds,
            hold_ms,
            sessions,
            seed,
            dialplans,
            api_rps,
            burst,
            tuple(serve_flags.split()),
            on_postgres,
            pin,
        )
    )
    write_result(
        out_file,
        "load",
        contacts=contacts,
        activities=activities,
        hold_ms=hold_ms,
        api_rps=api_rps,
        serve_flags=serve_flags,
        database="postgresql" if on_postgres else "sqlite",
        pinned=pin,
        build_seconds=built,
        **figures,
    )


if __name__ == "__main__":
    main()
