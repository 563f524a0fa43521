"""Rasa's socket.io channel (the web widget) with a per-sender rate limit.

Registered in credentials.yml in place of `socketio:` (same name, same settings): a sender
over the limit is told to slow down and the message is not processed.
"""

from __future__ import annotations

from typing import Any, Awaitable, Callable, Text

from rasa.core.channels.channel import UserMessage
from rasa.core.channels.socketio import SocketIOInput
from sanic import Blueprint

from bot import settings
from bot.channels.socketio_redis import share_through_redis
from bot.ratelimit import SenderLimiter

TOO_FAST = "您发送得太快了，请稍等片刻再试。"
MAX_MESSAGE_CHARS = 2000


class LimitedSocketIOInput(SocketIOInput):
    @classmethod
    def name(cls) -> Text:
        return "socketio"

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        limiter = SenderLimiter()

        async def limited(message: UserMessage) -> Any:
            if not limiter.allow(str(message.sender_id)) or len(message.text or "") > MAX_MESSAGE_CHARS:
                await message.output_channel.send_text_message(message.sender_id, TOO_FAST)
                return None
            return await on_new_message(message)

        blueprint = super().blueprint(limited)
        share_through_redis(self.sio, settings.SOCKETIO_REDIS_URL)  # several replicas: see that module
        return blueprint
