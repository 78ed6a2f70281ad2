"""An inbound MMS's attachments, fetched from the carrier into the media directory
(mms/<text id>-<n>.<ext>; the name is ours, never the sender's) before the text is
handled, so the timeline shows files, not links that expire.

Only http(s) URLs; only the content types a phone sends (pictures, video, audio,
contact cards, PDF, plain text); at most `texting.mms_max_bytes` each, counted as the
bytes arrive, whatever Content-Length claimed. Twilio's media URLs want the account's
credentials: they are sent only to the host of the carrier's own API URL (httpx drops
them on a redirect elsewhere, e.g. to Twilio's storage). Whatever cannot be fetched is
listed with the reason, and the text is handled anyway."""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from ... import media as files
from ... import settings
from ...model import CarrierKind, InboundText, Media
from ...storage.repository import Store

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
TIMEOUT = httpx.Timeout(20.0, connect=5.0)


class NotFetched(Exception):
    """Why an attachment was not kept (one line, shown on the timeline)."""


@dataclass
class Fetcher:
    store: Store
    media_dir: Path
    client: httpx.AsyncClient

    async def __call__(self, text: InboundText) -> list[dict[str, Any]]:
        """Each attachment of the text: the file kept, or the URL and why not."""
        async with self.store.snapshot() as repo:
            carrier = await repo.carrier_by_id(text.carrier_id) if text.carrier_id else None
            limit = int((await settings.load(repo))["texting.mms_max_bytes"])
        auth = None
        if carrier is not None and carrier.kind is CarrierKind.TWILIO:
            auth = (httpx.URL(carrier.api_url).host, carrier.account_sid, carrier.auth_token)
        found: list[dict[str, Any]] = []
        for n, media in enumerate(text.media):
            name = f"{text.id}-{n}"
            try:
                found.append(await self._fetch(media, name, limit, auth))
            except NotFetched as exc:
                found.append({"url": media.url[:500], "not_fetched": str(exc)})
        return found

    async def _fetch(
        self, media: Media, name: str, limit: int, auth: tuple[str, str, str] | None
    ) -> dict[str, Any]:
        try:
            url = httpx.URL(media.url)
        except (httpx.InvalidURL, ValueError):
            raise NotFetched("not a URL") from None
        if url.scheme not in ("http", "https") or not url.host:
            raise NotFetched("only http(s) URLs are fetched")
        credentials = auth[1:] if auth and url.host == auth[0] else None
        folder = files.mms_dir(self.media_dir)
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        partial = folder / f".{name}.part"
        try:
            async with self.client.stream(
                "GET", url, auth=credentials, follow_redirects=True, timeout=TIMEOUT
            ) as answer:
                if answer.status_code != 200:
                    raise NotFetched(f"the carrier answered {answer.status_code}")
                kind = answer.headers.get("content-type", "").split(";")[0].strip().lower()
                if kind not in TYPES:
                    raise NotFetched(f"content type {kind[:60]!r} is not one we keep")
                claimed = answer.headers.get("content-length", "")
                if claimed.isdigit() and int(claimed) > limit:
                    raise NotFetched(f"{int(claimed)} bytes: more than {limit}")
                size = await _save(answer, partial, limit)
        except httpx.HTTPError as exc:
            with contextlib.suppress(FileNotFoundError):
                partial.unlink()
            raise NotFetched(f"could not fetch it: {type(exc).__name__}") from None
        except NotFetched:
            with contextlib.suppress(FileNotFoundError):
                partial.unlink()
            raise
        final = folder / f"{name}{TYPES[kind]}"
        os.replace(partial, final)
        return {"file": f"mms/{final.name}", "content_type": kind, "bytes": size}


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
