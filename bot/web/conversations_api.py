"""The action server's routes into the web data: a conversation's restoration subscription
and its hand-off to staff.

Why here and not in the action server: the web app is the one owner of the web database
(bot/stores.py); the action server reaches it only through this API, as it already reads the
status and the service points. Callers present `Authorization: Bearer ${WEB_ACTIONS_TOKEN}`;
with no token configured these routes refuse every call.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any, Dict

from aiohttp import web

from bot.handoffs.staffing import LATER_REPLY_CHANNELS, load_staffing
from bot.web.auth import bearer_token, same
from bot.web.responses import json_response
from bot.web.status_api import error, read_json
from bot.wecom.staff_notify import notify_new_handoff

routes = web.RouteTableDef()

LIMITS = {"conversation_id": 255, "channel": 64, "reason": 200, "question": 1000, "first_line": 300, "language": 10}


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
    """A visitor asks for a person: queue the conversation (the open hand-off again, if there is
    one) when staffed and below capacity; otherwise, where the channel can carry a late answer,
    keep the question for staff (a "message" hand-off). The answer says which."""
    require_actions(request)
    key = conversation_id(request)
    body = await fields(request, "reason", "channel", "question", "first_line", "language")
    if isinstance(body, web.Response):
        return body
    store = request.app["handoffs"]
    staffing = load_staffing()
    details = {"first_line": body["first_line"], "language": body["language"] or "zh"}
    already = store.open_for(key)
    if already and already.kind == "live":
        decision = "open"
    else:
        decision = staffing.decide(datetime.now(timezone.utc), store.queue_length())
    answer: Dict[str, Any] = {
        "decision": decision,
        "staffed_hours": staffing.describe(details["language"]),
        "message_left": False,
    }
    if decision == "open":
        handoff = store.open(key, body["reason"], body["channel"], **details)
    elif body["channel"] in LATER_REPLY_CHANNELS:
        handoff = store.open(key, f"留言：{body['reason']}", body["channel"], kind="message", **details)
        answer["message_left"] = True
    else:
        return json_response(answer)
    if already is None:  # staff on duty hear of it in 企业微信, when configured (bot/wecom/staff_notify.py)
        notify_new_handoff(handoff.id, key, body["channel"], handoff.reason, body["question"].splitlines())
    return json_response({**answer, "id": handoff.id, "opened_at": handoff.opened_at})


@routes.delete("/api/conversations/{conversation_id}/handoff")
async def leave_handoff(request: web.Request) -> web.Response:
    """The visitor left the queue (取消人工): the hand-off closes as "left"; staff see it."""
    require_actions(request)
    return json_response({"left": request.app["handoffs"].visitor_left(conversation_id(request)) is not None})
