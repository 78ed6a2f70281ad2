"""An agent token acts only on its own contacts and leads (issue 22 findings 6-7): it
cannot text or call another agent's contact (not even with anyway), the refusal is the
same for another's number as for a number nobody has, routing is left as it was, and a
held text says why without quoting what the lead wrote."""

from __future__ import annotations

from smartnumber import clock
from smartnumber.model import Recording, RecordingKind
from smartnumber.storage import open_store
from tests.api.conftest import OFFICE_NUMBER, Crm

BOBS = "+13105550151"  # Bob's contact
FREE = "+13105550152"  # nobody's


async def test_an_agent_cannot_text_or_call_another_agents_contact(crm: Crm) -> None:
    async with crm.client("crm") as as_crm, crm.client("alice") as alice:
        made = await as_crm.post(
            "/v1/contacts", json={"name": "Bo's lead", "phones": [BOBS], "owner": "Bob"}
        )
        assert made.status_code == 201
        refusals = []
        for number in (BOBS, "(310) 555-0151", FREE):
            text = await alice.post(
                "/v1/texts", json={"to": number, "body": "Hi, it's Alice", "anyway": True}
            )
            call = await alice.post("/v1/calls", json={"to": number})
            for answer in (text, call):
                assert answer.status_code == 404, answer.text
                assert answer.headers["content-type"] == "application/problem+json"
                refusals.append(answer.json()["detail"].replace(FREE, BOBS))
        # One refusal, word for word, whether the number is Bob's contact's or nobody's.
        assert len(set(refusals)) == 1 and "Bo" not in refusals[0]
        # Nothing was written: no conversation that would ring Alice, no entry, no lead.
        route = await as_crm.get("/v1/route", params={"number": OFFICE_NUMBER, "caller": BOBS})
        assert route.status_code == 200 and "Alice" not in route.text
        timeline = (await as_crm.get(f"/v1/contacts/{made.json()['id']}/timeline")).json()
        assert timeline["activities"] == []
        assert [[p["number"] for p in c["phones"]] for c in crm.contacts_in_db()] == [[BOBS]]
        # Once the number is Alice's own contact, she may.
        mine = await alice.post("/v1/contacts", json={"name": "Al's", "phones": [FREE]})
        assert mine.status_code == 201
        text = await alice.post("/v1/texts", json={"to": FREE, "body": "Hi, it's Alice"})
        assert text.status_code in (202, 409) and text.json()["agent"] == "Alice"
        # The CRM (integration) may still act for any agent it names.
        for_bob = await as_crm.post("/v1/texts", json={"to": BOBS, "body": "Hi", "agent": "Bob"})
        assert for_bob.json()["agent"] == "Bob"


async def test_a_held_text_does_not_quote_the_lead(crm: Crm) -> None:
    words = "Can't make it Tuesday. Cancel."
    async with crm.client("crm") as as_crm, crm.client("alice") as alice:
        await as_crm.post(
            "/v1/contacts", json={"name": "Al's lead", "phones": [FREE], "owner": "Alice"}
        )
        crm.system.cli("text", "inject", "--from", FREE, "--to", OFFICE_NUMBER, words)
        held = await alice.post("/v1/texts", json={"to": FREE, "body": "Shall we say Friday?"})
        assert held.status_code == 409 and held.json()["status"] == "held"
        reason = held.json()["reason"]
        assert "may ask you to stop texting" in reason
        assert "Tuesday" not in held.text and "Cancel" not in held.text


async def test_an_agent_hears_only_their_own_contacts_recordings(crm: Crm) -> None:
    async with crm.client("crm") as as_crm:
        bobs = (
            await as_crm.post(
                "/v1/contacts", json={"name": "Bo's", "phones": [BOBS], "owner": "Bob"}
            )
        ).json()
        alices = (
            await as_crm.post(
                "/v1/contacts", json={"name": "Al's", "phones": [FREE], "owner": "Alice"}
            )
        ).json()
    media = crm.system.root / "media"
    media.mkdir(exist_ok=True)
    store = await open_store(crm.system.db)
    try:
        async with store.transaction() as repo:
            for rec, contact in (("rec-00000000000000b0", bobs), ("rec-00000000000000a1", alices)):
                (media / f"{rec}.wav").write_bytes(b"RIFF" + b"\0" * 40)
                await repo.add_recording(
                    Recording(
                        id=rec, kind=RecordingKind.RECORDING, contact_id=contact["id"],
                        call_id=None, smart_number_id=None, path=str(media / f"{rec}.wav"),
                        seconds=4.0, created_at=clock.now(),
                    )
                )  # fmt: skip
    finally:
        await store.close()
    async with crm.client("alice") as alice, crm.client("crm") as as_crm:
        listed = (await alice.get("/v1/recordings")).json()["recordings"]
        assert [r["id"] for r in listed] == ["rec-00000000000000a1"]
        theirs = await alice.get("/v1/recordings", params={"contact_id": bobs["id"]})
        assert theirs.status_code in (200, 404) and "rec-00000000000000b0" not in theirs.text
        assert (await alice.get("/v1/recordings/rec-00000000000000b0/audio")).status_code == 404
        mine = await alice.get("/v1/recordings/rec-00000000000000a1/audio")
        assert mine.status_code == 200 and mine.content.startswith(b"RIFF")
        everyone = (await as_crm.get("/v1/recordings")).json()["recordings"]
        assert len(everyone) == 2  # the CRM hears all
