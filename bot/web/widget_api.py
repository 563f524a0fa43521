"""The widget's pages: the demo host page, the script, and a visitor's history."""

from __future__ import annotations

import html
import logging
from pathlib import Path

import aiohttp
from aiohttp import web

from bot import settings, widget_sessions
from bot.conversations.transcript import transcript
from bot.web.responses import json_response
from bot.web.status_api import error

logger = logging.getLogger(__name__)
routes = web.RouteTableDef()

STATIC = Path(__file__).resolve().parent / "static"
SESSION_ID = widget_sessions.SESSION_ID


@routes.get("/")
async def demo_page(request: web.Request) -> web.Response:
    """A stand-in for a site that embeds the widget, with the snippet that embeds it here."""
    page = (STATIC / "index.html").read_text(encoding="utf-8")
    page = page.replace("{{SOCKET_URL}}", html.escape(settings.RASA_PUBLIC_URL))
    page = page.replace("{{WIDGET_ORIGIN}}", html.escape(f"{request.scheme}://{request.host}"))
    return web.Response(text=page, content_type="text/html", charset="utf-8")


@routes.get("/favicon.ico")
async def favicon(_request: web.Request) -> web.Response:
    return web.Response(status=204)


@routes.get("/widget.js")
async def widget_script(request: web.Request) -> web.StreamResponse:
    bundle = STATIC / "dist" / "widget.js"
    if not bundle.exists():
        return web.Response(
            status=503, text="// widget not built: run `make widget`\n", content_type="application/javascript"
        )
    return web.FileResponse(
        bundle,
        headers={
            "Content-Type": "application/javascript; charset=utf-8",
            "Cache-Control": "public, max-age=300",
            "Access-Control-Allow-Origin": "*",
        },
    )


@routes.get("/api/widget/history")
async def history(request: web.Request) -> web.Response:
    """The visitor's own widget conversation, for a reload or a new tab.

    It needs the session's key, which only the widget that was given the session holds
    (bot/widget_sessions.py); conversations of other channels are never served here.
    """
    headers = {"Cache-Control": "no-store", "Vary": "Origin"}
    origin = request.headers.get("Origin")
    if origin and origin in settings.CORS_ORIGINS:
        headers["Access-Control-Allow-Origin"] = origin  # a site embedding the widget
    session_id = request.query.get("session_id", "")
    if not SESSION_ID.match(session_id):
        return error(400, "session_id must be 8-64 letters, digits, - or _", "session_id")
    if not widget_sessions.is_valid(session_id, request.query.get("session_key", "")):
        return json_response(
            {"error": "session_key does not match the session", "field": "session_key"}, status=403, headers=headers
        )
    try:
        events = await request.app["rasa"].events(session_id)
    except (aiohttp.ClientError, TimeoutError) as problem:
        logger.warning("history for %s unavailable: %r", session_id, problem)
        return error(503, "history unavailable")
    if any(e.get("event") == "user" and e.get("input_channel") not in (None, "socketio") for e in events):
        return json_response({"messages": []}, headers=headers)  # not a widget conversation
    return json_response({"messages": transcript(events, feedback=False)}, headers=headers)
