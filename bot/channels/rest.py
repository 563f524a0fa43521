"""Rasa's REST channel with the one limit policy, strict input, and a body cap on the server.

Registered in credentials.yml in place of `rest:` (same name, same /webhooks/rest/webhook).
A body that is not a JSON object, a missing or non-string sender or message: 400. Too long:
413, too fast (per sender or per address): 429, both with the same words as every channel.
From the client's metadata only a location is kept; the input channel is always `rest`.

Registering it also caps every request body to Rasa at 64 KB (Sanic's REQUEST_MAX_SIZE).
"""

from __future__ import annotations

from typing import Any, Awaitable, Callable, Dict, Optional, Text

from rasa.core.channels.channel import UserMessage
from rasa.core.channels.rest import RestInput
from sanic import Blueprint
from sanic.exceptions import SanicException
from sanic.request import Request

from bot.channels.client_metadata import allowed_metadata
from bot.language import LanguageMemory
from bot.ratelimit import MAX_BODY_BYTES, MAX_MESSAGE_CHARS, MessagePolicy, client_address, trusted_proxies

MAX_SENDER_CHARS = 128


def _body(req: Request) -> Dict[str, Any]:
    try:
        body = req.json
    except Exception:  # Sanic's own parse error
        body = None
    if not isinstance(body, dict):
        raise SanicException('body must be a JSON object: {"sender": "…", "message": "…"}', status_code=400)
    return body


class LimitedRestInput(RestInput):
    def __init__(self) -> None:
        self.policy = MessagePolicy()
        self.languages = LanguageMemory()  # a refusal of "ok" from an English visitor is English too
        self.proxies = trusted_proxies()

    @classmethod
    def name(cls) -> Text:
        return "rest"

    async def _extract_sender(self, req: Request) -> Optional[Text]:
        body = _body(req)
        sender, message = body.get("sender"), body.get("message")
        if not isinstance(sender, str) or not sender.strip() or len(sender) > MAX_SENDER_CHARS:
            raise SanicException(f"sender: a string of 1-{MAX_SENDER_CHARS} characters", status_code=400)
        if not isinstance(message, str):
            raise SanicException("message: a string", status_code=400)
        address = client_address(req.ip, req.headers.get("X-Forwarded-For"), self.proxies)
        refusal = self.policy.check(sender, address, message, self.languages.follow(sender, message))
        if refusal:
            raise SanicException(refusal, status_code=413 if len(message) > MAX_MESSAGE_CHARS else 429)
        return sender

    def _extract_input_channel(self, req: Request) -> Text:
        return self.name()

    def get_metadata(self, request: Request) -> Optional[Dict[Text, Any]]:
        return allowed_metadata(_body(request).get("metadata"))

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        webhook = super().blueprint(on_new_message)

        @webhook.listener("before_server_start")
        async def cap_bodies(app: Any, _loop: Any) -> None:
            app.config.REQUEST_MAX_SIZE = MAX_BODY_BYTES

        return webhook
