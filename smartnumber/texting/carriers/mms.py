"""An inbound MMS's attachments, fetched from the carrier into the media directory
(mms/<text id>-<n>.<ext>; the name is ours, never the sender's) before the text is
handled, so the timeline shows files, not links that expire.

Only from the carrier's media hosts (registry.media_hosts: its own list, else its
kind's, and its API's host), redirects too, each checked again; only public addresses
unless egress.allow names them; https unless allowed. Only the content types a phone
sends (pictures, video, audio, contact cards, PDF, plain text); at most
`texting.mms_max_bytes` each, counted as the bytes arrive, whatever Content-Length
claimed; at most 10 attachments a text, each whole within 20 s. Twilio's media URLs
want the account's credentials: they are sent only to the host of the carrier's own API
URL, never where it redirects. Whatever cannot be fetched is listed with the reason,
and the text is handled anyway."""

from __future__ import annotations

import asyncio
import contextlib
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from ... import egress, settings
from ... import media as files
from ...errors import UserError
from ...model import CarrierKind, InboundText, Media
from ...storage.repository import Store
from . import registry, wire

TYPES = {
    "image/jpeg": ".jpg",
    "image/png": ".png",
    "image/gif": ".gif",
    "image/webp": ".webp",
    "image/heic": ".heic",
    "image/bmp": ".bmp",
    "video/mp4": ".mp4",
    "video/3gpp": ".3gp",
    "video/quicktime": ".mov",
    "audio/amr": ".amr",
    "audio/mpeg": ".mp3",
    "audio/mp4": ".m4a",
    "audio/ogg": ".ogg",
    "text/vcard": ".vcf",
    "text/x-vcard": ".vcf",
    "text/plain": ".txt",
    "application/pdf": ".pdf",
}
FETCH_SECONDS = 20.0  # the client's own bound; each attachment, whole, gets
# texting.mms_fetch_seconds (connect, redirects, every byte)
MAX_ATTACHMENTS = wire.MAX_MEDIA  # per text, again here: whatever kept it, no more
MAX_REDIRECTS = 3  # each to one of the carrier's media hosts too


class NotFetched(Exception):
    """Why an attachment was not kept (one line, shown on the timeline)."""


@dataclass(frozen=True)
class Sources:
    """Where one carrier's attachments may come from: its media hosts (and the names under
    them), and its API's own origin (host and port)."""

    hosts: tuple[str, ...] = ()
    api: tuple[str, int] | None = None

    def cover(self, url: httpx.URL) -> bool:
        name = url.host.lower().rstrip(".")
        if any(name == h or name.endswith("." + h) for h in self.hosts):
            return True
        port = url.port or (443 if url.scheme == "https" else 80)
        return self.api is not None and (name, port) == self.api


@dataclass
class Fetcher:
    store: Store
    media_dir: Path
    client: egress.Client

    async def __call__(self, text: InboundText) -> list[dict[str, Any]]:
        """Each attachment of the text: the file kept, or the URL and why not."""
        async with self.store.snapshot() as repo:
            carrier = await repo.carrier_by_id(text.carrier_id) if text.carrier_id else None
            values = await settings.load(repo)
        limit = int(values["texting.mms_max_bytes"])
        seconds = int(values["texting.mms_fetch_seconds"])
        self.client.policy = egress.Policy.parse(values["egress.allow"])
        sources = Sources()
        if carrier is not None:
            sources = Sources(registry.media_hosts(carrier), registry.api_origin(carrier))
        auth = None
        if carrier is not None and carrier.kind is CarrierKind.TWILIO:
            auth = (httpx.URL(carrier.api_url).host, carrier.account_sid, carrier.auth_token)
        found: list[dict[str, Any]] = []
        for n, media in enumerate(text.media):
            if n >= MAX_ATTACHMENTS:
                found.append({"url": media.url[:500], "not_fetched": "over 10 attachments"})
                continue
            try:
                async with asyncio.timeout(seconds):
                    found.append(await self._fetch(media, f"{text.id}-{n}", limit, sources, auth))
            except TimeoutError:
                found.append({"url": media.url[:500], "not_fetched": f"not whole in {seconds} s"})
            except NotFetched as exc:
                found.append({"url": media.url[:500], "not_fetched": str(exc)})
        return found

    def _checked(self, url: str, sources: Sources) -> httpx.URL:
        try:
            parsed = self.client.policy.check_url(url, "the attachment's URL")
        except UserError as exc:
            raise NotFetched(str(exc)) from None
        if not sources.cover(parsed):
            raise NotFetched(f"{parsed.host[:80]} is not one of the carrier's media hosts")
        return parsed

    async def _fetch(
        self,
        media: Media,
        name: str,
        limit: int,
        sources: Sources,
        auth: tuple[str, str, str] | None,
    ) -> dict[str, Any]:
        url = self._checked(media.url, sources)
        folder = files.mms_dir(self.media_dir)
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        partial = folder / f".{name}.part"
        try:
            for _ in range(MAX_REDIRECTS + 1):
                # Twilio's credentials go to its API host only, never where it redirects.
                credentials = auth[1:] if auth and url.host == auth[0] else None
                async with self.client.stream("GET", url, auth=credentials) as answer:
                    if answer.is_redirect and "location" in answer.headers:
                        url = self._checked(str(url.join(answer.headers["location"])), sources)
                        continue
                    if answer.status_code != 200:
                        raise NotFetched(f"the carrier answered {answer.status_code}")
                    kind = answer.headers.get("content-type", "").split(";")[0].strip().lower()
                    if kind not in TYPES:
                        raise NotFetched(f"content type {kind[:60]!r} is not one we keep")
                    claimed = answer.headers.get("content-length", "")
                    if claimed.isdigit() and int(claimed) > limit:
                        raise NotFetched(f"{int(claimed)} bytes: more than {limit}")
                    size = await _save(answer, partial, limit)
                    break
            else:
                raise NotFetched(f"more than {MAX_REDIRECTS} redirects")
        except httpx.HTTPError as exc:
            with contextlib.suppress(FileNotFoundError):
                partial.unlink()
            raise NotFetched(f"could not fetch it: {type(exc).__name__}") from None
        except (NotFetched, asyncio.CancelledError):
            with contextlib.suppress(FileNotFoundError):
                partial.unlink()
            raise
        final = folder / f"{name}{TYPES[kind]}"
        os.replace(partial, final)
        return {"file": f"mms/{final.name}", "content_type": kind, "bytes": size}


def client() -> egress.Client:
    """The client attachments are fetched with: only public addresses unless egress.allow
    says otherwise (the policy is read again for each text)."""
    return egress.Client(egress.Policy(), timeout=FETCH_SECONDS)


async def _save(answer: httpx.Response, path: Path, limit: int) -> int:
    size = 0
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as out:
        async for chunk in answer.aiter_bytes():
            size += len(chunk)
            if size > limit:
                raise NotFetched(f"more than {limit} bytes")
            out.write(chunk)
    return size
