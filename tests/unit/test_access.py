"""API tokens and roles: made and shown once, stored as a hash, revoked at once; an
agent token sees its own contacts and acts only as its agent."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from smartnumber import access, clock
from smartnumber.errors import UserError
from smartnumber.model import Agent, ApiToken, Contact, Role
from smartnumber.storage import open_store
from tests.unit.conftest import Run, assert_user_error


def test_token_commands(run: Run, tmp_path: Path) -> None:
    run("office", "add", "Main")
    run("agent", "add", "Alice", "--cell", "+12125550101", "--office", "Main")
    made = run("token", "create", "crm", "--role", "integration")
    secret = made.stdout.strip()
    assert secret.startswith("sn_") and len(secret) == 46
    assert "shown this once" in made.stderr
    own = run("token", "create", "alice-phone", "--role", "agent", "--agent", "Alice")
    listed = run("token", "list").output
    assert "crm" in listed and "alice-phone" in listed and "Alice" in listed
    assert secret not in listed and own.stdout.strip() not in listed
    # Only a hash of it is in the database.
    data = (tmp_path / "sn.db").read_bytes() + _wal(tmp_path / "sn.db")
    assert secret.encode() not in data
    assert hashlib.sha256(secret.encode()).hexdigest().encode() in data

    assert_user_error(run("token", "create", "crm", "--role", "admin", ok=False), "exists already")
    assert_user_error(run("token", "create", "x", "--role", "agent", ok=False), "--agent")
    assert_user_error(
        run("token", "create", "y", "--role", "admin", "--agent", "Alice", ok=False), "--role agent"
    )
    assert_user_error(run("token", "create", "bad name;", "--role", "admin", ok=False), "name")
    bad_role = run("token", "create", "z", "--role", "root", ok=False)
    assert bad_role.exit_code == 2
    run("token", "revoke", "crm")
    assert_user_error(run("token", "revoke", "crm", ok=False), "no active token named 'crm'")


def _wal(db: Path) -> bytes:
    wal = db.with_name(db.name + "-wal")
    return wal.read_bytes() if wal.exists() else b""


async def test_authenticate_finds_good_tokens_only(run: Run, tmp_path: Path) -> None:
    run("office", "add", "Main")
    run("agent", "add", "Alice", "--cell", "+12125550101", "--office", "Main")
    crm = run("token", "create", "crm", "--role", "integration").stdout.strip()
    alice = run("token", "create", "al", "--role", "agent", "--agent", "Alice").stdout.strip()
    store = await open_store(tmp_path / "sn.db")
    try:
        async with store.transaction() as repo:
            found = await access.authenticate(repo, crm)
            assert found is not None and found.role is Role.INTEGRATION and found.agent is None
            mine = await access.authenticate(repo, alice)
            assert mine is not None and mine.agent is not None and mine.agent.name == "Alice"
            other_last = crm[:-1] + ("B" if crm.endswith("A") else "A")  # one character off
            for wrong in ("", "sn_", crm + "x", other_last, "Bearer " + crm, crm.upper()):
                assert await access.authenticate(repo, wrong) is None
    finally:
        await store.close()
    run("agent", "deactivate", "Alice")  # an agent who left: their token opens nothing
    run("token", "revoke", "crm")
    store = await open_store(tmp_path / "sn.db")
    try:
        async with store.transaction() as repo:
            assert await access.authenticate(repo, crm) is None
            assert await access.authenticate(repo, alice) is None
    finally:
        await store.close()


def _agent(agent_id: int, name: str) -> Agent:
    return Agent(
        id=agent_id,
        name=name,
        cell="+12125550101",
        endpoint=None,
        office_id=1,
        team_id=None,
        active=True,
        admin=False,
    )


def _contact(owner: int | None, assigned: int | None = None) -> Contact:
    return Contact(1, "Ann", (), owner, None, None, "api", clock.now(), assigned)


def _caller(role: Role, agent: Agent | None = None) -> access.Caller:
    token = ApiToken(1, "t", role, agent.id if agent else None, clock.now())
    return access.Caller(token, agent)


def test_what_each_role_sees_and_acts_as() -> None:
    alice, bob = _agent(1, "Alice"), _agent(2, "Bob")
    as_alice, as_crm = _caller(Role.AGENT, alice), _caller(Role.INTEGRATION)
    assert as_alice.may_see(_contact(owner=1)) and as_alice.may_see(_contact(None, assigned=1))
    assert not as_alice.may_see(_contact(owner=2)) and not as_alice.may_see(_contact(None))
    assert as_crm.may_see(_contact(owner=2)) and as_crm.may_see(_contact(None))
    assert as_alice.acting_agent(None) == alice and as_alice.acting_agent(alice) == alice
    with pytest.raises(access.Forbidden):
        as_alice.acting_agent(bob)
    assert as_crm.acting_agent(bob) == bob
    with pytest.raises(UserError, match="on behalf of"):
        as_crm.acting_agent(None)
    as_crm.require(Role.ADMIN, Role.INTEGRATION)
    with pytest.raises(access.Forbidden, match="admin token; yours is integration"):
        as_crm.require(Role.ADMIN)


def test_a_token_can_be_kept_in_a_file_only_its_owner_reads(run: Run, tmp_path: Path) -> None:
    kept = tmp_path / "crm-token"
    said = run("token", "create", "crm", "--role", "integration", "--out", str(kept))
    assert f"kept in {kept} (mode 0600)" in said.output
    secret = kept.read_text().strip()
    assert secret.startswith("sn_") and secret not in said.output
    assert kept.stat().st_mode & 0o777 == 0o600
    again = run("token", "create", "crm2", "--role", "integration", "--out", str(kept), ok=False)
    assert again.exit_code == 1 and "exists already" in again.output
    assert kept.read_text().strip() == secret  # never written over
