"""Work that several processes on one database share is claimed before it is done: the
store gives a batch to one worker with a lease, the worker settles each item (only while
it still holds it), and a worker that died loses its batch when the lease runs out."""

from __future__ import annotations

import os
import secrets
import socket


def worker_name() -> str:
    """This process among all that work from one database: host, pid and a random tail
    (a restarted process with a reused pid is another worker)."""
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}"
