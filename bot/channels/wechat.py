"""The WeChat official account (公众号) as a Rasa input channel: /webhooks/wechat/webhook.

This module is the transport: signatures (in safe mode only encrypted bodies, with a
msg_signature over them), timestamps within 5 minutes and nonces used once (`ReplayGuard`), decryption, passive replies within WeChat's ~5 s, and customer-service
messages for what comes later. What a message means is `bot.wechat.messages.incoming`; how
bot messages look is `bot.wechat.render` (one rule for every reply, and the options shown);
retries of one message are one turn (`bot.wechat.turns.TurnMemory`). The conversation id is
the user's OpenID. Configured from the environment through credentials.yml: WECHAT_TOKEN,
WECHAT_APP_ID, WECHAT_APP_SECRET, WECHAT_ENCODING_AES_KEY (safe mode when set),
WECHAT_API_BASE, WECHAT_KF_TRANSFER.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass
from typing import Any, Awaitable, Callable, Dict, List, Optional, Text

from rasa.core.channels.channel import CollectingOutputChannel, InputChannel, OutputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot import settings
from bot.channel_texts import in_language, say
from bot.contacts import load_contacts
from bot.language import LanguageMemory
from bot.ratelimit import MessagePolicy
from bot.wechat.api import OUTSIDE_WINDOW, WeChatApi, WeChatApiError
from bot.wechat.crypto import DecryptError, MessageCrypto, check_signature
from bot.wechat.messages import MAX_XML_BYTES, Incoming, XmlError, incoming, parse_xml, text_reply, transfer_reply
from bot.wechat.render import OptionMemory, pack
from bot.wechat.replay import Replayed, ReplayGuard
from bot.wechat.turns import Turn, TurnMemory

logger = logging.getLogger(__name__)


@dataclass
class WeChatConfig:
    token: str
    app_id: str
    app_secret: str
    encoding_aes_key: str = ""
    api_base: str = settings.WECHAT_API_BASE
    reply_deadline: float = settings.WECHAT_REPLY_DEADLINE
    kf_transfer: bool = False

    @property
    def safe_mode(self) -> bool:
        return bool(self.encoding_aes_key)


class WeChatOutput(OutputChannel):
    """Messages outside a passive reply (restoration notices, staff replies)."""

    def __init__(self, api: Optional[WeChatApi], options: OptionMemory, languages: LanguageMemory) -> None:
        self.api = api
        self.options = options
        self.languages = languages

    @classmethod
    def name(cls) -> Text:
        return "wechat"

    async def send_response(self, recipient_id: Text, message: Dict[Text, Any]) -> None:
        rendered = self.options.render(recipient_id, [message], self.languages.of(recipient_id))
        await deliver(self.api, recipient_id, rendered.parts)

    async def send_text_message(self, recipient_id: Text, text: Text, **kwargs: Any) -> None:
        await deliver(self.api, recipient_id, [text])


async def deliver(api: Optional[WeChatApi], openid: str, parts: List[str]) -> None:
    """Send through the customer-service API; outside WeChat's 48-hour window, drop and log."""
    if not parts:
        return
    if api is None:
        logger.error("WeChat app id/secret not configured: %d message(s) to %s dropped", len(parts), openid)
        return
    for text in pack(parts):
        try:
            await api.send_text(openid, text)
        except WeChatApiError as error:
            if error.errcode == OUTSIDE_WINDOW:
                logger.warning("message to %s dropped: outside WeChat's 48-hour window", openid)
                return
            logger.error("customer-service message to %s failed: %s", openid, error)
            return
        except Exception as error:  # network: logged, never raised into a request
            logger.error("customer-service message to %s failed: %r", openid, error)
            return


class WeChatInput(InputChannel):
    @classmethod
    def name(cls) -> Text:
        return "wechat"

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> InputChannel:
        credentials = credentials or {}
        return cls(
            WeChatConfig(
                token=str(credentials.get("token") or ""),
                app_id=str(credentials.get("app_id") or ""),
                app_secret=str(credentials.get("app_secret") or ""),
                encoding_aes_key=str(credentials.get("encoding_aes_key") or ""),
                api_base=str(credentials.get("api_base") or settings.WECHAT_API_BASE),
                reply_deadline=settings.WECHAT_REPLY_DEADLINE,
                kf_transfer=str(credentials.get("kf_transfer") or "").lower() in ("1", "true", "yes"),
            )
        )

    def __init__(self, config: WeChatConfig) -> None:
        self.config = config
        self.crypto = MessageCrypto(config.token, config.encoding_aes_key, config.app_id) if config.safe_mode else None
        self.api = WeChatApi(config.app_id, config.app_secret, config.api_base) if config.app_secret else None
        self.replays = ReplayGuard()
        self.turns = TurnMemory()
        self.options = OptionMemory()
        self.languages = LanguageMemory()  # the words the channel adds, in the visitor's language
        # the one limit policy of every channel; WeChat's servers are the peer, so no per-address bucket
        self.limits = MessagePolicy(address_burst=0)
        self._background: set = set()

    def get_output_channel(self) -> Optional[OutputChannel]:
        return WeChatOutput(self.api, self.options, self.languages)

    # -- transport --------------------------------------------------------------------------

    def _in_background(self, coroutine: Awaitable[Any]) -> None:
        task = asyncio.ensure_future(coroutine)
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    def _reply(self, request: Request, body: str) -> HTTPResponse:
        """A passive reply, encrypted in safe mode ("success" stays plain)."""
        if body != "success" and self.crypto and request.args.get("encrypt_type") == "aes":
            body = self.crypto.encrypted_reply(body)
        return response.text(body, content_type="application/xml" if body != "success" else "text/plain")

    def _signed(self, request: Request) -> bool:
        args = request.args
        return bool(self.config.token) and check_signature(
            self.config.token, args.get("signature", ""), args.get("timestamp", ""), args.get("nonce", "")
        )

    def _fields(self, request: Request) -> Dict[str, str]:
        """The message's fields, decrypted in safe mode.

        DecryptError (403) when safe mode is on and the body is plaintext, or its msg_signature
        does not cover the encrypted body; Replayed (403) for a stale timestamp or a nonce used
        before for another body.
        """
        args = request.args
        fields = parse_xml(request.body)
        if self.crypto is None:
            if args.get("encrypt_type") == "aes":
                raise XmlError("safe mode not configured")
        else:
            if args.get("encrypt_type") != "aes" or not args.get("msg_signature"):
                raise DecryptError("safe mode: only encrypted messages are accepted")
            encrypted = fields.get("Encrypt", "")
            if not self.crypto.check_msg_signature(
                args.get("msg_signature", ""),
                args.get("timestamp", ""),
                args.get("nonce", ""),
                encrypted,
            ):
                raise DecryptError("bad msg_signature")
            fields = parse_xml(self.crypto.decrypt(encrypted))
        self.replays.check(args.get("timestamp", ""), args.get("nonce", ""), request.body or b"")
        return fields

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        hook = Blueprint("wechat_webhook", __name__)

        @hook.route("/", methods=["GET"])
        async def health(_request: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @hook.route("/webhook", methods=["GET"])
        async def verify(request: Request) -> HTTPResponse:
            if not self._signed(request):
                return response.text("forbidden", status=403)
            try:
                self.replays.check(request.args.get("timestamp", ""), request.args.get("nonce", ""))
            except Replayed:
                return response.text("forbidden", status=403)
            return response.text(request.args.get("echostr", ""))

        @hook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            started = time.monotonic()
            if len(request.body or b"") > MAX_XML_BYTES:
                return response.text("body too large", status=413)
            if not self._signed(request):
                return response.text("forbidden", status=403)
            try:
                message = incoming(self._fields(request))
            except (DecryptError, Replayed) as error:
                logger.warning("WeChat request refused: %s", error)
                return response.text("forbidden", status=403)
            except XmlError as error:
                return response.text(f"bad request: {error}", status=400)
            if not message.text:
                reply = message.reply and in_language(message.reply, self.languages.of(message.openid))
                return self._reply(request, text_reply(message.openid, message.account, reply) if reply else "success")
            return self._reply(request, await self._handle(message, on_new_message, started))

        return hook

    # -- one turn per message ---------------------------------------------------------------

    async def _handle(
        self, message: Incoming, on_new_message: Callable[[UserMessage], Awaitable[Any]], started: float
    ) -> str:
        turn = self.turns.get(message.retry_key)
        if turn is None:
            lang = self.languages.follow(message.openid, message.text)
            refusal = self.limits.check(message.openid, None, message.text, lang)
            if refusal is not None:
                return text_reply(message.openid, message.account, refusal)
            text = self.options.take_reply(message.openid, message.text)
            collector = CollectingOutputChannel()
            user_message = UserMessage(
                text,
                collector,
                message.openid,
                input_channel=self.name(),
                metadata={**message.metadata, "wechat": {"msg_type": message.kind, "account": message.account}},
            )

            async def run_turn() -> List[Dict[str, Any]]:
                await on_new_message(user_message)
                return collector.messages

            turn = self.turns.start(message.retry_key, run_turn, started)
        return await self._answer(turn, message.openid, message.account, started)

    async def _answer(self, turn: Turn, openid: str, account: str, started: float) -> str:
        """The passive reply for a turn: its answer if ready in time, else "success"."""
        if turn.passive is not None:
            return turn.passive
        remaining = self.config.reply_deadline - (time.monotonic() - started)
        try:
            messages = await asyncio.wait_for(asyncio.shield(turn.task), max(remaining, 0.01))
        except asyncio.TimeoutError:
            if not turn.deferred:
                turn.deferred = True
                self._in_background(self._deliver_late(turn, openid))
            return "success"
        except Exception:
            logger.exception("WeChat turn for %s failed", openid)
            return "success"
        if turn.deferred:
            return "success"
        if turn.passive is None:
            rendered = self.options.render(openid, messages, self.languages.of(openid))
            if rendered.handoff and self.config.kf_transfer:
                turn.passive = transfer_reply(openid, account)
                self._in_background(deliver(self.api, openid, rendered.parts))
            else:
                packed = pack(rendered.parts)
                turn.passive = text_reply(openid, account, packed[0]) if packed else "success"
                if len(packed) > 1:
                    self._in_background(deliver(self.api, openid, packed[1:]))
        return turn.passive

    async def _deliver_late(self, turn: Turn, openid: str) -> None:
        try:
            messages = await turn.task
        except Exception:
            logger.exception("WeChat turn for %s failed", openid)
            messages = [{"text": say(self.languages.of(openid), "busy_hotline", hotline=load_contacts().hotline)}]
        await deliver(self.api, openid, self.options.render(openid, messages, self.languages.of(openid)).parts)
