"""A private PostgreSQL cluster for the tests: Debian's own programs, a data directory
in a temp dir, listening on 127.0.0.1 and a free port only, stopped when done.

Like the private Asterisk (lab/system.py), it needs no system service. PostgreSQL will
not run as root, so under root the cluster belongs to the `postgres` user the Debian
package made. The tests connect as a password-less superuser over loopback (trust for
127.0.0.1 only, in a cluster nothing else can reach), so no secret is ever on argv.

    cluster = Cluster.start()           # in a new directory of its own under /tmp
    url = cluster.new_database("t1")   # postgresql://smartnumber@127.0.0.1:port/t1
    cluster.stop()
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from lab.ports import free_tcp_port

SUPERUSER = "smartnumber"
TEMPLATE = "smartnumber_template"  # migrated once; each test's database is a copy


def bin_dir() -> Path | None:
    """Where Debian put initdb and pg_ctl (the newest version installed), if anywhere."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
    return Path(found[-1]).parent if found else None


def _as_owner() -> list[str]:
    """The prefix that runs a PostgreSQL program as the cluster's owner."""
    if os.geteuid() != 0:
        return []
    pwd.getpwnam("postgres")  # KeyError: the package's user is missing
    return ["runuser", "-u", "postgres", "--"]


@dataclass
class Cluster:
    data: Path
    port: int
    bin: Path
    log: Path

    @classmethod
    def start(cls) -> Cluster:
        """A new cluster in a directory of its own (its owner's only: under root, the
        postgres user's, which a pytest temp dir would not let in)."""
        where = bin_dir()
        if where is None:
            raise RuntimeError("PostgreSQL is not installed (scripts/bootstrap installs it)")
        base = Path(tempfile.mkdtemp(prefix="smartnumber-pg-"))
        data, log = base / "data", base / "postgres.log"
        data.mkdir(mode=0o700)
        log.touch()
        if os.geteuid() == 0:
            owner = pwd.getpwnam("postgres")
            for path in (base, data, log):
                os.chown(path, owner.pw_uid, owner.pw_gid)
        cluster = cls(data, free_tcp_port(), where, log)
        cluster._run(
            "initdb",
            "-D",
            str(data),
            "-U",
            SUPERUSER,
            "--auth-local=trust",
            "--auth-host=trust",
            "--encoding=UTF8",
            "--locale=C.UTF-8",
            "--no-sync",
        )
        settings = {
            "listen_addresses": "'127.0.0.1'",
            "port": str(cluster.port),
            "unix_socket_directories": f"'{base}'",
            # a throwaway cluster: durability traded for speed
            "fsync": "off",
            "synchronous_commit": "off",
            "full_page_writes": "off",
            "max_connections": "300",
            "log_min_messages": "warning",
        }
        with (data / "postgresql.conf").open("a") as conf:
            conf.writelines(f"{key} = {value}\n" for key, value in settings.items())
        # trust only from loopback; nothing else can connect at all
        (data / "pg_hba.conf").write_text(
            "local all all trust\nhost all all 127.0.0.1/32 trust\n", encoding="utf-8"
        )
        cluster._run("pg_ctl", "-D", str(data), "-l", str(log), "-w", "-t", "60", "start")
        return cluster

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://{SUPERUSER}@127.0.0.1:{self.port}/{database}"

    def psql(self, sql: str, database: str = "postgres") -> str:
        return self._run(
            "psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-At", "-d", self.url(database), "-c", sql
        )

    def new_database(self, name: str, template: str = "template0") -> str:
        """A new empty database (or a copy of `template`); its URL."""
        self.psql(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
        return self.url(name)

    def down(self) -> None:
        """Stop the server (every connection cut, data kept): the fault tests' outage."""
        self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")

    def up(self) -> None:
        """Start it again after down()."""
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-w", "start")

    def stop(self) -> None:
        """Stop the server and remove its directory."""
        with contextlib.suppress(RuntimeError, FileNotFoundError):
            self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
        shutil.rmtree(self.data.parent, ignore_errors=True)

    def log_tail(self, chars: int = 4000) -> str:
        try:
            return self.log.read_text(encoding="utf-8", errors="replace")[-chars:]
        except OSError as exc:
            return f"(no PostgreSQL log: {exc})"

    def _run(self, program: str, *args: str) -> str:
        exe = shutil.which(program, path=str(self.bin)) or program
        done = subprocess.run(
            [*_as_owner(), exe, *args],
            capture_output=True,
            text=True,
            timeout=120,
            cwd="/",
        )
        if done.returncode != 0:
            raise RuntimeError(
                f"{program} failed ({done.returncode}): {done.stderr.strip() or done.stdout}"
                f"\n-- PostgreSQL's log --\n{self.log_tail()}"
            )
        return done.stdout
