"""A stand-in SMS carrier for tests and the demo: one real HTTP server on loopback that
speaks both Telnyx's API v2 and Twilio's 2010-04-01 messages API as they document them,
and posts their webhooks to smartnumber signed the way they do (an Ed25519 key pair made
here for Telnyx; the account's auth token for Twilio).

It keeps every text it was given (`sent`), can be down for a while (`outage`: answer the
next N sends 503), refuse a recipient with a provider error code (`refuse`), serve MMS
media, and (`auto_receipts`) post `sent` then `delivered` for every text it takes, as a
real carrier does a moment later.

    python -m lab.carrier serve --port 8090 --keys DIR   # the demo's; keys kept in DIR
    python -m lab.carrier text --keys DIR --url URL --from N --to N BODY  # a text comes in
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import contextlib
import json
import secrets
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import httpx
import uvicorn
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    PublicFormat,
)
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from lab.ports import free_tcp_port
from smartnumber.texting.carriers.signatures import twilio_signature


@dataclass
class Taken:
    """A text the carrier accepted."""

    kind: str  # telnyx | twilio
    message_id: str
    sender: str
    to: str
    body: str
    status_url: str | None


@dataclass
class Refusal:
    status: int  # 400, 403 ...
    code: str  # the provider's error code
    detail: str


@dataclass
class FakeCarrier:
    port: int = field(default_factory=free_tcp_port)
    telnyx_api_key: str = field(default_factory=lambda: "KEY" + secrets.token_hex(16))
    twilio_sid: str = field(default_factory=lambda: "AC" + secrets.token_hex(16))
    twilio_token: str = field(default_factory=lambda: secrets.token_hex(16))
    auto_receipts: bool = False
    echo: bool = False  # print each text taken (the demo's log)
    sent: list[Taken] = field(default_factory=list)
    outage: int = 0  # the next this many sends are answered 503
    refuse: dict[str, Refusal] = field(default_factory=dict)  # by recipient
    media: dict[str, tuple[str, bytes]] = field(default_factory=dict)  # name: (type, bytes)
    redirects: dict[str, str] = field(default_factory=dict)  # name: where /media/name sends
    media_asked: list[str] = field(default_factory=list)  # names fetched, in order
    attempts: int = 0  # send requests, refused or not
    _key: Ed25519PrivateKey = field(default_factory=Ed25519PrivateKey.generate)
    _server: uvicorn.Server | None = None
    _task: asyncio.Task[None] | None = None
    _tasks: set[asyncio.Task[Any]] = field(default_factory=set)

    # -- what smartnumber is told -------------------------------------------------------

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def telnyx_url(self) -> str:
        return f"{self.base}/telnyx/v2"

    @property
    def twilio_url(self) -> str:
        return f"{self.base}/twilio/2010-04-01"

    @property
    def telnyx_public_key(self) -> str:
        raw = self._key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
        return base64.b64encode(raw).decode()

    def media_url(self, name: str) -> str:
        return f"{self.base}/media/{name}"

    # -- the provider APIs ----------------------------------------------------------------

    def _outage(self) -> bool:
        self.attempts += 1
        if self.outage > 0:
            self.outage -= 1
            return True
        return False

    async def _telnyx_send(self, request: Request) -> Response:
        if request.headers.get("authorization") != f"Bearer {self.telnyx_api_key}":
            return JSONResponse(
                {"errors": [{"code": "10009", "title": "Authentication failed"}]}, 401
            )
        if self._outage():
            return JSONResponse({"errors": [{"code": "10007", "title": "Unexpected error"}]}, 503)
        body = await request.json()
        refusal = self.refuse.get(body["to"])
        if refusal is not None:
            error = {"code": refusal.code, "title": refusal.detail, "detail": refusal.detail}
            return JSONResponse({"errors": [error]}, refusal.status)
        taken = self._take(
            "telnyx", body["from"], body["to"], body["text"], body.get("webhook_url")
        )
        return JSONResponse(
            {
                "data": {
                    "record_type": "message",
                    "id": taken.message_id,
                    "direction": "outbound",
                    "type": "SMS",
                    "from": {"phone_number": taken.sender},
                    "to": [{"phone_number": taken.to, "status": "queued"}],
                    "text": taken.body,
                }
            }
        )

    async def _twilio_send(self, request: Request) -> Response:
        expected = (
            "Basic " + base64.b64encode(f"{self.twilio_sid}:{self.twilio_token}".encode()).decode()
        )
        if (
            request.path_params["sid"] != self.twilio_sid
            or request.headers.get("authorization") != expected
        ):
            return JSONResponse({"code": 20003, "message": "Authenticate", "status": 401}, 401)
        if self._outage():
            return JSONResponse(
                {"code": 20500, "message": "Internal Server Error", "status": 500}, 500
            )
        form = dict(parse_qsl((await request.body()).decode(), keep_blank_values=True))
        to, sender, text = form["To"], form["From"], form["Body"]
        refusal = self.refuse.get(to)
        if refusal is not None:
            return JSONResponse(
                {
                    "code": int(refusal.code),
                    "message": refusal.detail,
                    "more_info": f"https://www.twilio.com/docs/errors/{refusal.code}",
                    "status": refusal.status,
                },
                refusal.status,
            )
        callback = form.get("StatusCallback")
        taken = self._take("twilio", sender, to, text, callback)
        return JSONResponse(
            {
                "sid": taken.message_id,
                "account_sid": self.twilio_sid,
                "from": sender,
                "to": to,
                "body": text,
                "status": "queued",
                "num_segments": "1",
                "direction": "outbound-api",
            },
            201,
        )

    def _take(self, kind: str, sender: str, to: str, body: str, status_url: str | None) -> Taken:
        message_id = str(uuid.uuid4()) if kind == "telnyx" else "SM" + secrets.token_hex(16)
        taken = Taken(kind, message_id, sender, to, body, status_url)
        self.sent.append(taken)
        if self.echo:
            print(f"took {kind} text {message_id} {sender} -> {to}: {body!r}", flush=True)
        if self.auto_receipts and status_url:
            task = asyncio.create_task(self._receipts(taken))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        return taken

    async def _receipts(self, taken: Taken) -> None:
        assert taken.status_url
        for status in ("sent", "delivered"):
            with contextlib.suppress(httpx.HTTPError):
                await self.receipt(taken, status)

    async def _media(self, request: Request) -> Response:
        name = request.path_params["name"]
        self.media_asked.append(name)
        if name in self.redirects:
            return Response(status_code=302, headers={"location": self.redirects[name]})
        found = self.media.get(name)
        if found is None:
            return Response(status_code=404)
        if name.startswith("slow-"):  # a byte every half second, for five minutes at most

            async def trickle() -> AsyncIterator[bytes]:
                for byte in found[1][:600]:
                    yield bytes([byte])
                    await asyncio.sleep(0.5)

            return StreamingResponse(trickle(), media_type=found[0])
        if name.startswith("chunked-"):  # no Content-Length: the size shows only as it comes

            async def chunks() -> AsyncIterator[bytes]:
                for at in range(0, len(found[1]), 4096):
                    yield found[1][at : at + 4096]

            return StreamingResponse(chunks(), media_type=found[0])
        return Response(found[1], media_type=found[0])

    # -- webhooks to smartnumber, signed as each provider does -------------------------------

    async def telnyx_webhook(
        self,
        url: str,
        event_type: str,
        payload: dict[str, Any],
        *,
        timestamp: int | None = None,
        signer: Ed25519PrivateKey | None = None,
        signed: bool = True,
        event_id: str | None = None,
    ) -> httpx.Response:
        """POST a Telnyx webhook (data.event_type, data.payload) signed with Ed25519 over
        `timestamp|body` in the telnyx-signature-ed25519 and telnyx-timestamp headers."""
        body = json.dumps(
            {
                "data": {
                    "record_type": "event",
                    "id": event_id or str(uuid.uuid4()),
                    "event_type": event_type,
                    "occurred_at": datetime.now(UTC).isoformat(),
                    "payload": payload,
                },
                "meta": {"attempt": 1, "delivered_to": url},
            }
        ).encode()
        stamp = str(timestamp if timestamp is not None else int(time.time()))
        headers = {"content-type": "application/json", "telnyx-timestamp": stamp}
        if signed:
            signature = (signer or self._key).sign(stamp.encode() + b"|" + body)
            headers["telnyx-signature-ed25519"] = base64.b64encode(signature).decode()
        async with httpx.AsyncClient(timeout=10) as client:
            return await client.post(url, content=body, headers=headers)

    async def twilio_webhook(
        self, url: str, params: dict[str, str], *, token: str | None = None, signed: bool = True
    ) -> httpx.Response:
        """POST a Twilio webhook: a form, X-Twilio-Signature over the URL and its sorted
        parameters with the auth token."""
        headers = {}
        if signed:
            headers["x-twilio-signature"] = twilio_signature(
                token or self.twilio_token, url, params
            )
        async with httpx.AsyncClient(timeout=10) as client:
            return await client.post(url, data=params, headers=headers)

    def telnyx_inbound(
        self,
        sender: str,
        to: str,
        text: str,
        media: list[tuple[str, str]] = (),  # type: ignore[assignment]
    ) -> dict[str, Any]:
        """A message.received payload: (url, content_type) for each attachment."""
        return {
            "record_type": "message",
            "id": str(uuid.uuid4()),
            "direction": "inbound",
            "type": "MMS" if media else "SMS",
            "from": {"phone_number": sender, "carrier": "T-Mobile USA", "line_type": "Wireless"},
            "to": [{"phone_number": to, "status": "webhook_delivered"}],
            "text": text,
            "media": [{"url": u, "content_type": t, "size": None} for u, t in media],
            "received_at": datetime.now(UTC).isoformat(),
        }

    def twilio_inbound(
        self,
        sender: str,
        to: str,
        text: str,
        media: list[tuple[str, str]] = (),  # type: ignore[assignment]
    ) -> dict[str, str]:
        params = {
            "MessageSid": "SM" + secrets.token_hex(16),
            "SmsSid": "",
            "AccountSid": self.twilio_sid,
            "From": sender,
            "To": to,
            "Body": text,
            "NumMedia": str(len(media)),
            "NumSegments": "1",
            "SmsStatus": "received",
            "ApiVersion": "2010-04-01",
        }
        params["SmsSid"] = params["MessageSid"]
        for n, (url, kind) in enumerate(media):
            params[f"MediaUrl{n}"], params[f"MediaContentType{n}"] = url, kind
        return params

    async def receipt(self, taken: Taken, status: str, code: str = "") -> httpx.Response:
        """A status callback for a text this carrier took, to the URL it was given:
        Telnyx message.sent / message.finalized, Twilio MessageStatus."""
        assert taken.status_url, "the text was sent without a status URL"
        if taken.kind == "telnyx":
            event = (
                "message.sent" if status in ("queued", "sending", "sent") else "message.finalized"
            )
            payload = {
                "record_type": "message",
                "id": taken.message_id,
                "direction": "outbound",
                "from": {"phone_number": taken.sender},
                "to": [{"phone_number": taken.to, "status": status}],
                "text": taken.body,
                "errors": [{"code": code, "title": "carrier error"}] if code else [],
            }
            return await self.telnyx_webhook(taken.status_url, event, payload)
        params = {
            "MessageSid": taken.message_id,
            "SmsSid": taken.message_id,
            "AccountSid": self.twilio_sid,
            "From": taken.sender,
            "To": taken.to,
            "MessageStatus": status,
            "SmsStatus": status,
            "ApiVersion": "2010-04-01",
        }
        if code:
            params["ErrorCode"] = code
        return await self.twilio_webhook(taken.status_url, params)

    # -- running ---------------------------------------------------------------------------

    def app(self) -> Starlette:
        return Starlette(
            routes=[
                Route("/telnyx/v2/messages", self._telnyx_send, methods=["POST"]),
                Route(
                    "/twilio/2010-04-01/Accounts/{sid}/Messages.json",
                    self._twilio_send,
                    methods=["POST"],
                ),
                Route("/media/{name}", self._media, methods=["GET"]),
            ]
        )

    async def start(self) -> None:
        config = uvicorn.Config(
            self.app(),
            host="127.0.0.1",
            port=self.port,
            log_config=None,
            access_log=False,
            lifespan="off",
        )
        self._server = uvicorn.Server(config)
        self._server.capture_signals = contextlib.nullcontext  # type: ignore[method-assign]
        self._task = asyncio.create_task(self._server.serve())
        while not self._server.started:
            assert not self._task.done(), "the carrier could not start"
            await asyncio.sleep(0.01)

    async def stop(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        if self._server is not None and self._task is not None:
            self._server.should_exit = True
            await self._task

    async def __aenter__(self) -> FakeCarrier:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()


def _load_or_make(keys: Path) -> FakeCarrier:
    """The demo's carrier, its keys kept in `keys` (0600) so restarts keep them: what an
    admin would copy from the provider's portal, as files."""
    keys.mkdir(mode=0o700, parents=True, exist_ok=True)
    private, api_key = keys / "telnyx-private-key", keys / "telnyx-api-key"
    carrier = FakeCarrier(auto_receipts=True, echo=True)
    if private.exists() and api_key.exists():
        raw = base64.b64decode(private.read_text().strip())
        carrier._key = Ed25519PrivateKey.from_private_bytes(raw)
        carrier.telnyx_api_key = api_key.read_text().strip()
    else:
        for path in (private, api_key):
            path.touch(mode=0o600)
        raw = carrier._key.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
        private.write_text(base64.b64encode(raw).decode() + "\n")
        api_key.write_text(carrier.telnyx_api_key + "\n")
    (keys / "telnyx-public-key").write_text(carrier.telnyx_public_key + "\n")
    return carrier


async def _serve(carrier: FakeCarrier) -> None:
    await carrier.start()
    print(f"stand-in carrier (Telnyx API) on {carrier.telnyx_url}", flush=True)
    try:
        await asyncio.Event().wait()
    finally:
        await carrier.stop()


async def _text(carrier: FakeCarrier, url: str, sender: str, to: str, body: str) -> None:
    payload = carrier.telnyx_inbound(sender, to, body)
    answer = await carrier.telnyx_webhook(url, "message.received", payload)
    print(f"posted message.received {payload['id']}: smartnumber answered {answer.status_code}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="run the stand-in carrier (Telnyx's API)")
    serve.add_argument("--port", type=int, default=8090)
    serve.add_argument("--keys", type=Path, required=True, help="where its keys are kept")
    text = commands.add_parser("text", help="post a signed inbound text to smartnumber")
    text.add_argument("--keys", type=Path, required=True)
    text.add_argument("--url", required=True, help="smartnumber's /v1/carriers/NAME/inbound")
    text.add_argument("--from", dest="sender", required=True)
    text.add_argument("--to", required=True)
    text.add_argument("body")
    args = parser.parse_args()
    carrier = _load_or_make(args.keys)
    with contextlib.suppress(KeyboardInterrupt):
        if args.command == "serve":
            carrier.port = args.port
            asyncio.run(_serve(carrier))
        else:
            asyncio.run(_text(carrier, args.url, args.sender, args.to, args.body))


if __name__ == "__main__":
    main()
