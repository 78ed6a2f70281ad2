"""`smartnumber api` refuses to start in one clear line when it cannot listen."""

from __future__ import annotations

import socket

from tests.unit.conftest import Run, assert_user_error


def test_a_port_in_use_is_one_line(run: Run) -> None:
    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = taken.getsockname()[1]
        result = run("api", "--port", str(port), ok=False)
    assert_user_error(result, f"cannot listen on 127.0.0.1:{port}", "in use")


def test_an_address_not_here_is_one_line(run: Run) -> None:
    result = run("api", "--bind", "192.0.2.1", "--port", "8080", ok=False)
    assert_user_error(result, "cannot listen on 192.0.2.1:8080")
