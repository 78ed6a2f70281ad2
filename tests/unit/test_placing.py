"""Click-to-call through the CallPlacer port: a request the HTTP API kept is claimed by
one service, placed once, each stage published in order as click_to_call.progress; one
nobody claimed in time is not placed, and the CRM hears why. The placer here is a fake
that reports as asterisk/originate.py's does (tests/e2e/crm_door runs the real one)."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from smartnumber.access import Caller
from smartnumber.app import calls as cases
from smartnumber.calls import click_to_call, placing
from smartnumber.calls.click_to_call import Plan, Stage
from smartnumber.errors import UserError
from smartnumber.model import ApiToken, Role
from smartnumber.storage.sqlite import SqliteStore
from smartnumber.webhooks import events
from tests.unit.conftest import Run

T0 = datetime(2026, 12, 7, 15, 0, tzinfo=UTC)


@dataclass
class Placed:
    stages: list[Stage] = field(default_factory=list)
    call_id: int | None = None
    failure: str | None = None
    contact_status: str | None = None


@dataclass
class FakePlacer:
    """Reaches `stages` (then `failure`, if any), writing the call down once 'taken'."""

    stages: list[Stage]
    failure: str | None = None
    placed: list[Plan] = field(default_factory=list)

    async def place(
        self,
        plan: Plan,
        on_stage: Callable[[Stage, str], None],
        on_note: Callable[[str], None],
        *,
        taken: Callable[[], Awaitable[int]],
        wait: bool,
        ring_seconds: int,
    ) -> Placed:
        self.placed.append(plan)
        on_stage(Stage.AGENT_RINGING, "")  # before the call is written down, as Asterisk may
        result = Placed(call_id=await taken(), failure=self.failure)
        for stage in self.stages:
            result.stages.append(stage)
            on_stage(stage, "")
        result.contact_status = "ANSWER" if Stage.CONNECTED in self.stages else None
        return result


async def progress(store: SqliteStore) -> list[dict[str, object]]:
    async with store.snapshot() as repo:
        found = await repo.webhook_events_between(
            T0 - timedelta(days=1), T0 + timedelta(days=1), 50
        )
    return [json.loads(e.payload)["data"] for e in found if e.type == events.CLICK_TO_CALL_PROGRESS]


async def requested(provisioned: Run, tmp_path: Path, at: datetime) -> tuple[SqliteStore, dict]:
    provisioned(
        "webhook", "add", "https://crm.example.com/hook", "--events", events.CLICK_TO_CALL_PROGRESS
    )
    store = await SqliteStore.open(tmp_path / "sn.db")
    view = await cases.request_click_to_call(
        store,
        Caller(ApiToken(1, "crm", Role.ADMIN, None, T0)),
        "Bob",
        "(310) 555-0188",
        None,
        lambda: at,
    )
    return store, view


async def test_a_request_is_placed_once_and_each_stage_published(
    provisioned: Run, tmp_path: Path
) -> None:
    store, view = await requested(provisioned, tmp_path, T0)
    try:
        assert view["status"] == "placing" and view["to"] == "+13105550188"
        placer = FakePlacer([Stage.AGENT_ANSWERED, Stage.CONTACT_RINGING, Stage.CONNECTED])
        [claimed] = await placing.claim_requested(store, "w1", lambda: T0)
        assert await placing.claim_requested(store, "w2", lambda: T0) == []  # w1's, for good
        await placing.place_requested(store, placer, claimed, lambda: T0)
        [plan] = placer.placed
        assert plan.call_key == view["call_id"] and plan.agent == "Bob"
        stages = [p["status"] for p in await progress(store)]
        assert stages == ["agent ringing", "agent answered", "contact ringing", "connected"]
        async with store.snapshot() as repo:
            found = await repo.call_request(view["call_id"])
            [call] = await repo.timeline(
                [c.id for c in await repo.contacts_by_phone(plan.contact)], 5
            )
        assert found is not None and found.outcome == "placed" and found.done_at == T0
        assert call.call_key == plan.call_key and call.detail["click_to_call"]
    finally:
        await store.close()


async def test_an_agent_who_did_not_answer_fails_the_request_with_why(
    provisioned: Run, tmp_path: Path
) -> None:
    store, view = await requested(provisioned, tmp_path, T0)
    try:
        [claimed] = await placing.claim_requested(store, "w1", lambda: T0)
        placer = FakePlacer([], failure="the agent did not answer")
        await placing.place_requested(store, placer, claimed, lambda: T0)
        last = (await progress(store))[-1]
        assert last["status"] == "failed"
        assert last["detail"] == "the agent did not answer; +13105550188 was not called"
        async with store.snapshot() as repo:
            found = await repo.call_request(view["call_id"])
        assert found is not None and found.outcome and found.outcome.startswith("failed: the agent")
    finally:
        await store.close()


async def test_a_request_nobody_claimed_in_time_is_not_placed(
    provisioned: Run, tmp_path: Path
) -> None:
    store, view = await requested(provisioned, tmp_path, T0)
    try:
        late = T0 + click_to_call.REQUEST_EXPIRES + timedelta(seconds=5)
        assert await placing.claim_requested(store, "w1", lambda: late) == []
        [failed] = await progress(store)
        assert failed["status"] == "failed" and failed["call_id"] == view["call_id"]
        assert (
            failed["detail"] == "no routing service placed the call within 35 s; it was not placed"
        )
        async with store.snapshot() as repo:
            found = await repo.call_request(view["call_id"])
            assert await repo.contacts_by_phone("+13105550188") == []  # no lead, no entry
        assert found is not None and found.outcome and found.outcome.startswith("expired")
    finally:
        await store.close()


async def test_the_cli_places_through_the_port_it_is_given(
    provisioned: Run, tmp_path: Path
) -> None:
    store = await SqliteStore.open(tmp_path / "sn.db")
    try:
        seen: list[str] = []
        placer = FakePlacer([Stage.AGENT_ANSWERED], failure="the agent's phone was busy")
        try:
            await cases.click_to_call_contact(
                store, "Bob", "3105550188", None, lambda: T0, lambda plan: None,
                lambda stage, detail: seen.append(stage.value), seen.append,
                wait=True, ring_seconds=10, placer=placer,
            )  # fmt: skip
        except UserError as exc:
            assert str(exc) == "the agent's phone was busy; +13105550188 was not called"
        else:
            raise AssertionError("a busy agent's call was not refused")
        assert seen == ["agent ringing", "agent answered"]
        async with store.snapshot() as repo:
            [lead] = await repo.contacts_by_phone("+13105550188")
            [call] = await repo.timeline([lead.id], 5)
        assert call.detail["status"] == "agent missed"  # noted, as a missed agent is
    finally:
        await store.close()
