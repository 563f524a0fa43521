"""The WeChat official account (公众号) as a Rasa input channel: /webhooks/wechat/webhook.

Done the way WeChat behaves: every request's signature is checked (and, in safe mode, the
encrypted body's msg_signature); the conversation id is the user's OpenID; WeChat's retries
of one message (same MsgId, or FromUserName + CreateTime for events) never start a second
turn; a reply that is not ready within ~4.5 s is answered "success" and delivered through
the customer-service API; buttons become numbered options. Configured from the environment
through credentials.yml: WECHAT_TOKEN, WECHAT_APP_ID, WECHAT_APP_SECRET,
WECHAT_ENCODING_AES_KEY (safe mode when set), WECHAT_API_BASE.
"""
from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass
from typing import Any, Awaitable, Callable, Dict, List, Optional, Text

from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from rasa.core.channels.channel import CollectingOutputChannel, InputChannel, OutputChannel, UserMessage

from bot import settings
from bot.contacts import load_contacts
from bot.ratelimit import SenderLimiter
from bot.wechat.api import OUTSIDE_WINDOW, WeChatApi, WeChatApiError
from bot.wechat.crypto import DecryptError, MessageCrypto, check_signature
from bot.wechat.messages import MAX_XML_BYTES, XmlError, parse_xml, text_reply, transfer_reply
from bot.wechat.render import option_payload, options_from_events, pack, render

logger = logging.getLogger(__name__)

ASK_FOR_TEXT = "抱歉，我目前只能看懂文字消息。请用文字描述您的问题，例如「什么时候恢复开票」。"
TOO_FAST = "您发送得太快了，请稍等片刻再试。"
TURN_MEMORY_SECONDS = 120


@dataclass
class Turn:
    """One user message, however many times WeChat delivers it."""

    task: "asyncio.Task[List[Dict[str, Any]]]"
    started: float
    passive: Optional[str] = None  # the reply body once given (a retry gets the same)
    deferred: bool = False  # the customer-service API delivers the answer


@dataclass
class WeChatConfig:
    token: str
    app_id: str
    app_secret: str
    encoding_aes_key: str = ""
    api_base: str = "https://api.weixin.qq.com"
    reply_deadline: float = 4.5
    kf_transfer: bool = False

    @property
    def safe_mode(self) -> bool:
        return bool(self.encoding_aes_key)


class WeChatOutput(OutputChannel):
    """Messages outside a passive reply (restoration notices, staff replies, late answers)."""

    def __init__(self, api: Optional[WeChatApi]) -> None:
        self.api = api

    @classmethod
    def name(cls) -> Text:
        return "wechat"

    async def send_response(self, recipient_id: Text, message: Dict[Text, Any]) -> None:
        await deliver(self.api, recipient_id, render([message]).parts)

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
        return cls(WeChatConfig(
            token=str(credentials.get("token") or ""),
            app_id=str(credentials.get("app_id") or ""),
            app_secret=str(credentials.get("app_secret") or ""),
            encoding_aes_key=str(credentials.get("encoding_aes_key") or ""),
            api_base=str(credentials.get("api_base") or settings.WECHAT_API_BASE),
            reply_deadline=settings.WECHAT_REPLY_DEADLINE,
            kf_transfer=str(credentials.get("kf_transfer") or "").lower() in ("1", "true", "yes"),
        ))

    def __init__(self, config: WeChatConfig) -> None:
        self.config = config
        self.crypto = (
            MessageCrypto(config.token, config.encoding_aes_key, config.app_id) if config.safe_mode else None
        )
        self.api = WeChatApi(config.app_id, config.app_secret, config.api_base) if config.app_secret else None
        self.turns: Dict[str, Turn] = {}
        self.limiter = SenderLimiter()
        self._background: set = set()

    def get_output_channel(self) -> Optional[OutputChannel]:
        return WeChatOutput(self.api)

    # -- helpers ----------------------------------------------------------------------------

    def _in_background(self, coroutine: Awaitable[Any]) -> None:
        task = asyncio.ensure_future(coroutine)
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    def _forget_old_turns(self) -> None:
        horizon = time.monotonic() - TURN_MEMORY_SECONDS
        for key in [k for k, t in self.turns.items() if t.started < horizon and t.task.done()]:
            del self.turns[key]

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

    async def _options(self, request: Request, openid: str) -> List[Dict[str, str]]:
        """The numbered options of this user's last bot turn, from the tracker store."""
        agent = getattr(request.app.ctx, "agent", None)
        if agent is None or agent.tracker_store is None:
            return []
        tracker = await agent.tracker_store.retrieve(openid)
        if tracker is None:
            return []
        return options_from_events([e.as_dict() for e in tracker.events])

    # -- the webhook ------------------------------------------------------------------------

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        hook = Blueprint("wechat_webhook", __name__)

        @hook.route("/", methods=["GET"])
        async def health(_request: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @hook.route("/webhook", methods=["GET"])
        async def verify(request: Request) -> HTTPResponse:
            if not self._signed(request):
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
                message = parse_xml(request.body)
                if request.args.get("encrypt_type") == "aes":
                    if self.crypto is None:
                        return response.text("safe mode not configured", status=400)
                    encrypted = message.get("Encrypt", "")
                    if not self.crypto.check_msg_signature(
                        request.args.get("msg_signature", ""), request.args.get("timestamp", ""),
                        request.args.get("nonce", ""), encrypted,
                    ):
                        return response.text("forbidden", status=403)
                    message = parse_xml(self.crypto.decrypt(encrypted))
            except DecryptError:
                return response.text("forbidden", status=403)
            except XmlError as error:
                return response.text(f"bad request: {error}", status=400)
            return await self._handle(request, message, on_new_message, started)

        return hook

    async def _handle(
        self,
        request: Request,
        message: Dict[str, str],
        on_new_message: Callable[[UserMessage], Awaitable[Any]],
        started: float,
    ) -> HTTPResponse:
        openid, account = message.get("FromUserName", ""), message.get("ToUserName", "")
        if not openid:
            return response.text("bad request: no FromUserName", status=400)
        kind = message.get("MsgType", "")
        text, metadata = "", {}
        if kind == "text":
            text = message.get("Content", "")
        elif kind == "voice":
            text = message.get("Recognition", "")
        elif kind == "location":
            try:
                metadata = {"location": {"latitude": float(message.get("Location_X", "")),
                                         "longitude": float(message.get("Location_Y", ""))}}
                text = "/find_service_point"
            except ValueError:
                return response.text("bad request: location", status=400)
        elif kind == "event":
            event = message.get("Event", "").lower()
            if event != "subscribe":
                return response.text("success")  # unsubscribe and other events: nothing to say
            text = "/greet"
        if not text.strip():
            return self._reply(request, text_reply(openid, account, ASK_FOR_TEXT))

        key = message.get("MsgId") or f"{openid}:{message.get('CreateTime', '')}"
        self._forget_old_turns()
        turn = self.turns.get(key)
        if turn is None:
            if not self.limiter.allow(openid):
                return self._reply(request, text_reply(openid, account, TOO_FAST))
            if kind == "text":
                text = option_payload(text, await self._options(request, openid)) or text
            collector = CollectingOutputChannel()
            user_message = UserMessage(
                text[:1000], collector, openid, input_channel=self.name(),
                metadata={**metadata, "wechat": {"msg_type": kind, "account": account}},
            )

            async def run_turn() -> List[Dict[str, Any]]:
                await on_new_message(user_message)
                return collector.messages

            turn = Turn(asyncio.ensure_future(run_turn()), started)
            self.turns[key] = turn
        return self._reply(request, await self._answer(turn, openid, account, started))

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
            rendered = render(messages)
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
            messages = [{"text": f"抱歉，系统繁忙，请稍后再试，或拨打 {load_contacts().hotline} 咨询。"}]
        await deliver(self.api, openid, render(messages).parts)
