"""Rasa's REST channel with a per-sender rate limit and a cap on message length.

Registered in credentials.yml in place of `rest:` (same name, same /webhooks/rest/webhook).
"""
from __future__ import annotations

from typing import Optional, Text

from rasa.core.channels.rest import RestInput
from sanic.exceptions import SanicException
from sanic.request import Request

from bot.ratelimit import SenderLimiter

MAX_MESSAGE_CHARS = 2000


class LimitedRestInput(RestInput):
    def __init__(self) -> None:
        self.limiter = SenderLimiter()

    @classmethod
    def name(cls) -> Text:
        return "rest"

    async def _extract_sender(self, req: Request) -> Optional[Text]:
        sender = await super()._extract_sender(req)
        if sender is not None and not self.limiter.allow(str(sender)):
            raise SanicException("too many messages from this sender: wait a moment", status_code=429)
        return sender

    def _extract_message(self, req: Request) -> Optional[Text]:
        message = super()._extract_message(req)
        if isinstance(message, str) and len(message) > MAX_MESSAGE_CHARS:
            raise SanicException(f"message longer than {MAX_MESSAGE_CHARS} characters", status_code=413)
        return message
