"""A stand-in for the action server, for when it is down (nginx sends Rasa here as `backup`).

It speaks Rasa's action-server protocol: a session still starts, a request for a human hears
the hotline (no queue can open without the action server), the status refresh before an answer
changes nothing (the answer goes on with the last known state), and every other custom action
answers that the information cannot be looked up now: an action whose outcome the rules turn
into words gets that outcome (data/rules/*), the others the response itself. FAQ answers need no action server and go
on as usual. Like the action server, it answers only Rasa (ACTION_SERVER_TOKEN). Internal
only: nginx publishes it on a loopback port that Rasa alone uses.
"""

from __future__ import annotations

import json

from aiohttp import web

from bot import settings
from bot.contacts import load_contacts
from bot.web.auth import bearer_token, same
from bot.web.responses import json_response

routes = web.RouteTableDef()
MAX_CALL_BYTES = 4 * 1024 * 1024

# actions whose outcome the rules turn into words (the `*_outcome` slots in domain.yml): the
# stand-in sets the outcome and the rule answers (handoff: utter_handoff_unavailable, the others:
# utter_cannot_look_up); every other custom action answers utter_cannot_look_up itself
STANDBY_OUTCOMES = {
    "action_handoff": ("handoff_outcome", "standby"),
    "action_cancel_handoff": ("handoff_outcome", "unreachable"),
    "action_subscribe_restoration": ("subscription_outcome", "unreachable"),
    "action_unsubscribe_restoration": ("subscription_outcome", "unreachable"),
    "action_handle_miss": ("miss_outcome", "unreachable"),
    "action_follow_up": ("follow_up_outcome", "unreachable"),
}


@routes.post("/webhook")
async def standby(request: web.Request) -> web.Response:
    if not same(bearer_token(request), request.app.get("action_server_token", settings.ACTION_SERVER_TOKEN)):
        return json_response({"error": "action server token required"}, status=401)
    # Rasa's call carries the tracker (and its parse data): often over the web app's 64 KB limit
    # for public bodies, so it is read here with its own bound (this route is loopback-only)
    chunks, size = [], 0
    async for chunk in request.content.iter_chunked(64 * 1024):
        size += len(chunk)
        if size > MAX_CALL_BYTES:
            return json_response({"error": "body too large"}, status=413)
        chunks.append(chunk)
    try:
        call = json.loads(b"".join(chunks))
    except ValueError:
        return json_response({"error": "body is not valid JSON"}, status=400)
    action = call.get("next_action")
    if action == "action_session_start":
        events = [{"event": "session_started"}, {"event": "action", "name": "action_listen"}]
        return json_response({"events": events, "responses": []})
    if action in STANDBY_OUTCOMES:
        slot, value = STANDBY_OUTCOMES[action]
        return json_response({"events": [{"event": "slot", "name": slot, "value": value}], "responses": []})
    return json_response(
        {"events": [], "responses": [{"response": "utter_cannot_look_up", **load_contacts().template_vars()}]}
    )
