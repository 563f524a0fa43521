"""The action server's routes into the web data: a conversation's restoration subscription
and its hand-off to staff.

Why here and not in the action server: the web app is the one owner of the web database
(bot/stores.py); the action server reaches it only through this API, as it already reads the
status and the service points. Callers present `Authorization: Bearer ${WEB_ACTIONS_TOKEN}`;
with no token configured these routes refuse every call.
"""
from __future__ import annotations

from typing import Any, Dict

from aiohttp import web

from bot.web.auth import bearer_token, same
from bot.web.responses import json_response
from bot.web.status_api import error, read_json
from bot.wecom.staff_notify import notify_new_handoff

routes = web.RouteTableDef()

LIMITS = {"conversation_id": 255, "channel": 64, "reason": 200, "question": 1000}


def require_actions(request: web.Request) -> None:
    if not same(bearer_token(request), request.app["actions_token"]):
        raise web.HTTPUnauthorized(
            text='{"error": "the action server\'s token is required"}',
            content_type="application/json",
            headers={"WWW-Authenticate": "Bearer"},
        )


def conversation_id(request: web.Request) -> str:
    value = request.match_info["conversation_id"]
    if len(value) > LIMITS["conversation_id"]:
        raise web.HTTPUnprocessableEntity(
            text='{"error": "conversation_id: at most 255 characters", "field": "conversation_id"}',
            content_type="application/json",
        )
    return value


async def fields(request: web.Request, *names: str) -> Dict[str, str] | web.Response:
    """The body's text fields (missing ones empty); a 422 naming the first bad one."""
    body: Any = await read_json(request)
    if not isinstance(body, dict):
        return error(422, "body: a JSON object")
    values = {}
    for name in names:
        value = body.get(name, "")
        if not isinstance(value, str) or len(value) > LIMITS[name]:
            return error(422, f"{name}: text of at most {LIMITS[name]} characters", name)
        values[name] = value
    return values


@routes.put("/api/conversations/{conversation_id}/subscription")
async def subscribe(request: web.Request) -> web.Response:
    """Notify this conversation (once) when the service is restored."""
    require_actions(request)
    key = conversation_id(request)
    body = await fields(request, "channel")
    if isinstance(body, web.Response):
        return body
    created = request.app["status_store"].subscribe(key, body["channel"])
    return json_response({"subscribed": True, "created": created})


@routes.delete("/api/conversations/{conversation_id}/subscription")
async def unsubscribe(request: web.Request) -> web.Response:
    """Cancel a pending notice; `removed` is false when there was none."""
    require_actions(request)
    removed = request.app["status_store"].unsubscribe(conversation_id(request))
    return json_response({"removed": removed})


@routes.post("/api/conversations/{conversation_id}/handoff")
async def open_handoff(request: web.Request) -> web.Response:
    """Queue the conversation for staff (the open hand-off again, if there is one)."""
    require_actions(request)
    key = conversation_id(request)
    body = await fields(request, "reason", "channel", "question")
    if isinstance(body, web.Response):
        return body
    is_new = request.app["handoffs"].open_for(key) is None
    handoff = request.app["handoffs"].open(key, body["reason"], body["channel"])
    if is_new:  # staff on duty hear of it in 企业微信, when configured (bot/wecom/staff_notify.py)
        notify_new_handoff(handoff.id, key, body["channel"], body["reason"], body["question"].splitlines())
    return json_response({"id": handoff.id, "opened_at": handoff.opened_at})
