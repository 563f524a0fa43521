"""The status API: public read, staff write with history."""

from __future__ import annotations

import hashlib
import json
import logging
import time
from typing import Any, Dict, Optional, Tuple

from aiohttp import web

from bot.db import now_utc
from bot.status.model import OutageStatus, StatusError
from bot.web.auth import require_staff
from bot.web.responses import json_response

logger = logging.getLogger(__name__)
routes = web.RouteTableDef()

EDITABLE = ("state", "message", "started_at", "expected_resume_at", "source_url")
# how long the public status is served from memory: the action server and Rasa's NLG revalidate
# it on every status-aware answer (several a second under load), each read a query on the
# event loop. A change through PUT below clears it at once, so the next answer has it; the
# interval only bounds what a change made elsewhere (another web process) may take to show.
STATUS_CACHE_SECONDS = 1.0


class PublicStatusCache:
    """The staff-set status (body and ETag) as last read, for STATUS_CACHE_SECONDS; the
    automatic check's result (in memory, changing on its own) is added fresh to every read."""

    def __init__(self) -> None:
        self._entry: Optional[Tuple[float, Dict[str, Any], str]] = None

    def get(self, app: web.Application) -> Tuple[Dict[str, Any], str]:
        now = time.monotonic()
        if self._entry is None or now - self._entry[0] >= STATUS_CACHE_SECONDS:
            body = app["status_store"].current().to_dict()
            self._entry = (now, body, status_etag(body))
        body, etag = self._entry[1], self._entry[2]
        probes = app.get("probes")
        if probes is not None and probes.configured:
            body = {**body, "probe": probes.public_summary()}
            etag = status_etag(body)
        return body, etag

    def clear(self) -> None:
        self._entry = None


def error(status: int, message: str, field: str | None = None) -> web.Response:
    body: Dict[str, Any] = {"error": message}
    if field:
        body["field"] = field
    return json_response(body, status=status)


async def read_json(request: web.Request) -> Any:
    """The request's JSON body; a clear 400 (or 413) otherwise, and nothing changed."""
    try:
        raw = await request.read()
    except web.HTTPRequestEntityTooLarge:
        raise web.HTTPRequestEntityTooLarge(
            max_size=request.app._client_max_size,
            actual_size=request.content_length or 0,
            text='{"error": "body too large"}',
            content_type="application/json",
        ) from None
    try:
        return json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise web.HTTPBadRequest(text='{"error": "body is not valid JSON"}', content_type="application/json") from None


def status_etag(body: Dict[str, Any]) -> str:
    """A strong ETag of the public status: readers revalidate cheaply (304) every second."""
    digest = hashlib.sha256(json.dumps(body, sort_keys=True, ensure_ascii=False).encode("utf-8"))
    return f'"{digest.hexdigest()[:32]}"'


@routes.get("/api/status")
async def get_status(request: web.Request) -> web.Response:
    """The live status, plus the automatic probe's result when operators configured one."""
    body, etag = request.app["public_status"].get(request.app)
    # public data, read by the widget on any site that embeds it
    headers = {"Cache-Control": "no-cache", "ETag": etag, "Access-Control-Allow-Origin": "*"}
    if etag in request.headers.get("If-None-Match", ""):
        return web.Response(status=304, headers=headers)
    return json_response(body, headers=headers)


@routes.put("/api/status")
async def put_status(request: web.Request) -> web.Response:
    require_staff(request)
    body = await read_json(request)
    if not isinstance(body, dict):
        return error(422, "body must be a JSON object", "body")
    unknown = sorted(set(body) - set(EDITABLE) - {"updated_by"})
    if unknown:
        return error(422, f"unknown field: {unknown[0]}", unknown[0])
    data = {key: body.get(key) for key in EDITABLE}
    data["updated_at"] = now_utc().isoformat()
    data["updated_by"] = request["staff_name"]  # who is logged in; a body's "updated_by" is ignored
    try:
        status = OutageStatus.from_dict(data)
    except StatusError as problem:
        return error(422, str(problem), problem.field)
    store = request.app["status_store"]
    previous = store.current()
    store.put(status)
    request.app["public_status"].clear()  # the very next read (and answer) has it
    logger.info("status set to %s by %s", status.state, status.updated_by)
    if status.state == "normal" and previous.state != "normal":
        request.app["notify"]()
    return json_response(status.to_dict())


@routes.get("/api/status/probe")
async def get_probe(request: web.Request) -> web.Response:
    """Staff: the automatic check in full, and whether it has disagreed with the status too long."""
    require_staff(request)
    return json_response(request.app["probes"].staff_summary())


@routes.get("/api/status/history")
async def get_history(request: web.Request) -> web.Response:
    require_staff(request)
    history = request.app["status_store"].history()
    return json_response({"history": [s.to_dict() for s in history]})
