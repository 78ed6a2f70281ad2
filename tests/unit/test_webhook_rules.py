"""Webhook rules that need no network: the retry schedule, URLs and event names a
subscription accepts, signatures a stock verifier accepts, and which subscriptions an
event is queued for."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
import standardwebhooks

from smartnumber import clock
from smartnumber.errors import UserError
from smartnumber.model import Webhook
from smartnumber.storage import open_store
from smartnumber.storage.repository import NewAgent
from smartnumber.webhooks import delivery, events, subscriptions


def test_the_schedule_is_at_least_eight_attempts_over_a_day() -> None:
    attempts = 1 + len(delivery.SCHEDULE)
    assert attempts >= 8
    assert sum(delivery.SCHEDULE, timedelta()) >= timedelta(hours=24)
    assert list(delivery.SCHEDULE) == sorted(delivery.SCHEDULE)  # backing off


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("ftp://crm.example.com/h", "http:// or https://"),
        ("https://user:pw@crm.example.com/h", "credentials"),
        ("https://crm.example.com/h\nX-Evil: 1", "one line"),
        ("https://crm.example.com/a b", "one line"),
        ("http:///nohost", "host"),
        ("https://" + "a" * 2000 + ".example", "2000"),
        ("http://xn--a.com/", "valid host name"),
    ],
)
def test_urls_a_subscription_refuses(url: str, why: str) -> None:
    with pytest.raises(UserError, match=why):
        subscriptions.check_form(url)


def test_event_names() -> None:
    assert subscriptions.check_event_types([" call.ended", "call.ended", ""]) == ("call.ended",)
    with pytest.raises(UserError, match=r"unknown event 'call\.over'"):
        subscriptions.check_event_types(["call.over"])
    with pytest.raises(UserError, match="at least one"):
        subscriptions.check_event_types([])


def test_a_signature_the_stock_library_verifies() -> None:
    secret = subscriptions.new_secret()
    hook = Webhook(1, "http://x.example", ("call.ended",), secret, clock.now())
    body = events.body("call.ended", clock.now(), {"call_id": 1, "text": "é & ;"})
    headers = delivery.signed_headers(hook, "msg_1", clock.now(), body)
    assert standardwebhooks.Webhook(secret).verify(body, headers)["data"]["text"] == "é & ;"
    with pytest.raises(standardwebhooks.WebhookVerificationError):
        standardwebhooks.Webhook(subscriptions.new_secret()).verify(body, headers)
    with pytest.raises(standardwebhooks.WebhookVerificationError):
        standardwebhooks.Webhook(secret).verify(body.replace("1", "2"), headers)


async def test_an_event_is_queued_for_the_subscriptions_that_want_it(tmp_path: Path) -> None:
    store = await open_store(tmp_path / "sn.db")
    try:
        async with store.transaction() as repo:
            office = await repo.add_office("Main")
            bob = await repo.add_agent(NewAgent("Bob", "+12125550102", office_id=office.id))
            now = clock.now()
            every = await subscriptions.add(
                repo, "https://a.example", ["call.ended"], agent_id=None, now=now
            )
            bobs = await subscriptions.add(
                repo, "https://b.example", ["call.ended"], agent_id=bob.id, now=now
            )
            texts = await subscriptions.add(
                repo, "https://c.example", ["text.sent"], agent_id=None, now=now
            )
            await events.publish(
                repo, events.CALL_ENDED, {"n": 1}, at=now, contact_id=5, agent_id=bob.id
            )
            await events.publish(repo, events.CALL_ENDED, {"n": 2}, at=now, contact_id=6)
            with pytest.raises(ValueError, match="unknown event type"):
                await events.publish(repo, "call.over", {}, at=now)
            queued = {w.id: len(await repo.deliveries(w.id, 10)) for w in (every, bobs, texts)}
            assert queued == {every.id: 2, bobs.id: 1, texts.id: 0}
            # Kept for replays even where nobody listens.
            assert len(await repo.webhook_events_between(now, now + timedelta(1), 10)) == 2
    finally:
        await store.close()
