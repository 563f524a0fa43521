"""Rasa's socket.io channel (the web widget), closed to forgery and floods.

Registered in credentials.yml in place of `socketio:` (same name, same settings). It differs
from the stock channel (rasa/core/channels/socketio.py) in what it trusts from the client:

- a session is issued by the server with a key (bot/widget_sessions.py); `session_request`
  joins a session's room only with its key, otherwise a new session is issued;
- a message goes into the session this socket joined, whatever `session_id` it names;
- from the client's metadata only a location is kept (bot/channels/client_metadata.py);
- origins are limited to CORS_ORIGINS (browsers), bodies to 64 KB;
- every message passes the one limit policy (bot/ratelimit.py), per session and per address.
"""

from __future__ import annotations

import logging
from typing import Any, Awaitable, Callable, Dict, Optional, Text

import rasa.core.channels.channel
from rasa.core.channels.channel import UserMessage
from rasa.core.channels.socketio import SocketBlueprint, SocketIOInput, SocketIOOutput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse
from socketio import AsyncServer

from bot import settings, widget_sessions
from bot.channels.client_metadata import allowed_metadata
from bot.channels.socketio_redis import share_through_redis
from bot.language import LanguageMemory
from bot.ratelimit import MAX_BODY_BYTES, MessagePolicy, client_address, trusted_proxies

logger = logging.getLogger(__name__)


class LimitedSocketIOInput(SocketIOInput):
    @classmethod
    def name(cls) -> Text:
        return "socketio"

    def socket_server(self) -> AsyncServer:
        # an empty list would turn python-engineio's origin check off: "*" never goes in here
        sio = AsyncServer(
            async_mode="sanic",
            cors_allowed_origins=list(settings.CORS_ORIGINS) or None,
            max_http_buffer_size=MAX_BODY_BYTES,
        )
        share_through_redis(sio, settings.SOCKETIO_REDIS_URL)  # several replicas: see that module
        return sio

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        policy = MessagePolicy()
        languages = LanguageMemory()  # a refusal of "ok" from an English visitor is English too
        proxies = trusted_proxies()
        sio = self.socket_server()
        socketio_webhook = SocketBlueprint(sio, self.socketio_path, "socketio_webhook", __name__)
        self.sio = sio  # for get_output_channel (external events)
        namespace = self.namespace

        @socketio_webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @sio.on("connect", namespace=namespace)
        async def connect(sid: Text, environ: Dict, auth: Optional[Dict]) -> bool:
            if self.jwt_key:
                token = auth.get("token") if isinstance(auth, dict) else None
                if not token or not rasa.core.channels.channel.decode_bearer_token(
                    token, self.jwt_key, self.jwt_algorithm
                ):
                    return False
            request = environ.get("sanic.request")
            address = client_address(getattr(request, "ip", None), environ.get("HTTP_X_FORWARDED_FOR"), proxies)
            await sio.save_session(sid, {"address": address, "session_id": None}, namespace=namespace)
            return True

        @sio.on("session_request", namespace=namespace)
        async def session_request(sid: Text, data: Any) -> None:
            data = data if isinstance(data, dict) else {}
            session_id, key = widget_sessions.confirm(data.get("session_id"), data.get("session_key"))
            state = await sio.get_session(sid, namespace=namespace)
            previous = state.get("session_id")
            if previous and previous != session_id:
                sio.leave_room(sid, previous, namespace=namespace)
            state["session_id"] = session_id
            await sio.save_session(sid, state, namespace=namespace)
            if self.session_persistence:
                sio.enter_room(sid, session_id, namespace=namespace)
            await sio.emit(
                "session_confirm", {"session_id": session_id, "session_key": key}, room=sid, namespace=namespace
            )

        @sio.on(self.user_message_evt, namespace=namespace)
        async def handle_message(sid: Text, data: Any) -> None:
            state = await sio.get_session(sid, namespace=namespace)
            sender_id = state.get("session_id") if self.session_persistence else sid
            if not sender_id:
                logger.info("socket.io message before a session was confirmed: ignored")
                return
            data = data if isinstance(data, dict) else {}
            if self.session_persistence and data.get("session_id") not in (None, sender_id):
                logger.warning("socket.io message naming another session: ignored")
                return
            text = data.get("message")
            output_channel = SocketIOOutput(sio, self.bot_message_evt)
            if not isinstance(text, str) or not text.strip():
                return
            refusal = policy.check(sender_id, state.get("address"), text, languages.follow(sender_id, text))
            if refusal:
                await output_channel.send_text_message(sender_id, refusal)
                return
            await on_new_message(
                UserMessage(
                    text,
                    output_channel,
                    sender_id,
                    input_channel=self.name(),
                    metadata=allowed_metadata(data.get(self.metadata_key)),
                )
            )

        return socketio_webhook
