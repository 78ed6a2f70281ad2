"""/v1/recordings: recordings and voicemail, listed and downloaded (range requests)."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import FileResponse

from ...app import calls as cases
from ...errors import NotFound
from .common import LARGEST_ID, Who, store

router = APIRouter(prefix="/v1/recordings", tags=["recordings"])


@router.get("")
async def list_recordings(
    who: Who,
    request: Request,
    contact_id: int | None = Query(default=None, ge=1, le=LARGEST_ID),
    limit: int = Query(default=50, ge=1, le=500),
) -> dict[str, Any]:
    found = await cases.recordings_for(store(request), who, contact_id, limit)
    return {"recordings": found}


@router.get("/{recording_id}/audio", response_class=FileResponse)
async def recording_audio(recording_id: str, who: Who, request: Request) -> FileResponse:
    """The audio (WAV); Range requests are answered with 206 and the part asked for."""
    found = await cases.recording_for(store(request), who, recording_id)
    path = Path(found.path)
    if not await asyncio.to_thread(path.is_file):
        raise NotFound(f"the audio of {recording_id} is gone")
    return FileResponse(path, media_type="audio/wav", filename=f"{found.id}.wav")
