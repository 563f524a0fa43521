"""微信客服 (WeChat customer service on WeCom) as a Rasa input channel: /webhooks/wecom_kf/webhook.

The transport: WeCom's callback URL check (GET with an encrypted echostr) and callbacks (POST),
both signed with msg_signature over the encrypted text, in WeCom's WXBizMsgCrypt scheme (the
official account's crypto with the corp id as receive id); timestamps within 5 minutes and
nonces used once. A callback only carries a short-lived token: the channel answers at once and
pulls the messages with kf/sync_msg (`bot.wecom.sync`), answers each through the conversation,
and sends with kf/send_msg within WeCom's quota (`bot.wecom.outbox`). The external_userid is the
conversation id. Unconfigured (any of WECOM_CORP_ID, WECOM_KF_SECRET, WECOM_TOKEN,
WECOM_ENCODING_AES_KEY, WECOM_OPEN_KFID empty): every request gets 403.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import defaultdict
from dataclasses import dataclass
from typing import Any, Awaitable, Callable, Dict, List, Optional, Text

from rasa.core.channels.channel import CollectingOutputChannel, InputChannel, OutputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.channel_texts import in_language, say
from bot.language import LanguageMemory
from bot.ratelimit import MessagePolicy
from bot.wechat.crypto import DecryptError, MessageCrypto
from bot.wechat.messages import MAX_XML_BYTES, XmlError, parse_xml
from bot.wechat.render import OptionMemory
from bot.wechat.replay import Replayed, ReplayGuard
from bot.wecom.kf_api import DEFAULT_API_BASE, KfApi
from bot.wecom.messages import KfIncoming, incoming
from bot.wecom.outbox import DeliveryRefused, KfOutbox
from bot.wecom.state import KfState
from bot.wecom.sync import KfSync

logger = logging.getLogger(__name__)

SESSION_ENDED = 3  # session_status_change: the servicer ended the session


@dataclass
class WeComKfConfig:
    corp_id: str = ""
    secret: str = ""
    token: str = ""
    encoding_aes_key: str = ""
    open_kfid: str = ""
    api_base: str = DEFAULT_API_BASE
    servicer_userid: str = ""

    @property
    def complete(self) -> bool:
        return all((self.corp_id, self.secret, self.token, self.encoding_aes_key, self.open_kfid))


class WeComKfOutput(OutputChannel):
    """Messages outside a customer's turn: staff replies, the release, restoration notices.

    A message WeCom does not take raises DeliveryRefused, so Rasa records nothing and the
    console (or the notifier, which retries) learns it did not go out.
    """

    def __init__(self, outbox: KfOutbox) -> None:
        self.outbox = outbox

    @classmethod
    def name(cls) -> Text:
        return "wecom_kf"

    async def send_response(self, recipient_id: Text, message: Dict[Text, Any]) -> None:
        if not await self.outbox.deliver(recipient_id, [message]):
            raise DeliveryRefused(f"message to {recipient_id} not delivered (see wecom_kf_sends)")

    async def send_text_message(self, recipient_id: Text, text: Text, **kwargs: Any) -> None:
        await self.send_response(recipient_id, {"text": text})


class WeComKfInput(InputChannel):
    @classmethod
    def name(cls) -> Text:
        return "wecom_kf"

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> InputChannel:
        credentials = credentials or {}
        return cls(
            WeComKfConfig(
                **{
                    key: str(credentials.get(key) or "")
                    for key in ("corp_id", "secret", "token", "encoding_aes_key", "open_kfid", "servicer_userid")
                },
                api_base=str(credentials.get("api_base") or DEFAULT_API_BASE),
            )
        )

    def __init__(self, config: WeComKfConfig, state: Optional[KfState] = None) -> None:
        self.config = config
        self.crypto: Optional[MessageCrypto] = None
        self.api: Optional[KfApi] = None
        if config.complete:
            try:
                self.crypto = MessageCrypto(config.token, config.encoding_aes_key, config.corp_id)
                self.api = KfApi(config.corp_id, config.secret, config.open_kfid, config.api_base)
            except ValueError as error:
                logger.error("wecom_kf channel disabled: %s", error)
                self.crypto = None
        self._state = state
        self.options = OptionMemory()
        self.languages = LanguageMemory()  # the words the channel adds, in the visitor's language
        self.replays = ReplayGuard()
        # the one limit policy of every channel; WeCom's servers are the peer, so no per-address bucket
        self.limits = MessagePolicy(address_burst=0)
        self._sync: Optional[KfSync] = None
        self._outbox: Optional[KfOutbox] = None
        self._on_new_message: Optional[Callable[[UserMessage], Awaitable[Any]]] = None
        self._background: set = set()

    @property
    def state(self) -> KfState:
        if self._state is None:
            self._state = KfState()  # on first use, not at import: Rasa builds channels early
        return self._state

    @property
    def outbox(self) -> KfOutbox:
        if self._outbox is None:
            self._outbox = KfOutbox(self.api, self.state, self.options, self.config.servicer_userid, self.languages)
        return self._outbox

    def get_output_channel(self) -> Optional[OutputChannel]:
        return WeComKfOutput(self.outbox)

    # -- transport --------------------------------------------------------------------------

    def _verified(self, request: Request, encrypted: str) -> str:
        """The decrypted text, once signature, freshness and nonce hold; else raises."""
        if self.crypto is None:
            raise DecryptError("channel not configured")
        args = request.args
        timestamp, nonce = args.get("timestamp", ""), args.get("nonce", "")
        if not self.crypto.check_msg_signature(args.get("msg_signature", ""), timestamp, nonce, encrypted):
            raise DecryptError("bad msg_signature")
        self.replays.check(timestamp, nonce, (request.body or b"") + encrypted.encode())
        return self.crypto.decrypt(encrypted)

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        hook = Blueprint("wecom_kf_webhook", __name__)
        self._on_new_message = on_new_message

        @hook.route("/", methods=["GET"])
        async def health(_request: Request) -> HTTPResponse:
            return response.json({"status": "ok" if self.crypto else "not configured"})

        @hook.route("/webhook", methods=["GET"])
        async def verify(request: Request) -> HTTPResponse:
            try:
                echo = self._verified(request, request.args.get("echostr", ""))
            except (DecryptError, Replayed) as error:
                logger.warning("wecom_kf URL check refused: %s", error)
                return response.text("forbidden", status=403)
            return response.text(echo)

        @hook.route("/webhook", methods=["POST"])
        async def callback(request: Request) -> HTTPResponse:
            if self.crypto is None:
                return response.text("forbidden", status=403)
            if len(request.body or b"") > MAX_XML_BYTES:
                return response.text("body too large", status=413)
            try:
                outer = parse_xml(request.body)
                event = parse_xml(self._verified(request, outer.get("Encrypt", "")))
            except (DecryptError, Replayed) as error:
                logger.warning("wecom_kf callback refused: %s", error)
                return response.text("forbidden", status=403)
            except XmlError as error:
                return response.text(f"bad request: {error}", status=400)
            if (
                event.get("Event") == "kf_msg_or_event"
                and event.get("OpenKfId", self.config.open_kfid) == self.config.open_kfid
            ):
                self._in_background(self.pull(event.get("Token", "")))
            return response.text("success")

        return hook

    def _in_background(self, coroutine: Awaitable[Any]) -> None:
        task = asyncio.ensure_future(coroutine)
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    async def pull(self, token: str) -> int:
        """Fetch and answer what is new (the callback's token makes sync_msg's limits generous)."""
        if self.api is None:
            return 0
        if self._sync is None:
            self._sync = KfSync(self.api, self.state, self.handle_page)
        try:
            return await self._sync.pull(token)
        except Exception:
            logger.exception("wecom_kf sync failed; the next callback resumes at the saved cursor")
            return 0

    # -- conversation -----------------------------------------------------------------------

    async def handle_page(self, items: List[Dict[str, Any]]) -> None:
        """Each customer's messages in order; different customers side by side."""
        by_user: Dict[str, List[KfIncoming]] = defaultdict(list)
        for item in items:
            message = incoming(item)
            if message is not None:
                by_user[message.external_userid].append(message)
        await asyncio.gather(*(self._handle_user(messages) for messages in by_user.values()))

    async def _handle_user(self, messages: List[KfIncoming]) -> None:
        for message in messages:
            if self.state.is_answered(message.msgid):
                logger.info("wecom_kf %s already answered: skipped", message.msgid)
                continue
            try:
                await self._handle(message)
            except Exception:
                logger.exception("wecom_kf message %s failed", message.msgid)
            self.state.mark_answered(message.msgid)

    async def _handle(self, message: KfIncoming) -> None:
        user = message.external_userid
        if message.kind == "send_fail":
            self.state.send_failed(
                str(message.detail.get("fail_msgid", "")), f"fail_type {message.detail.get('fail_type')}"
            )
            return
        if message.kind == "session_change":
            change = message.detail.get("change_type")
            if user:
                self.state.set_with_servicer(user, change != SESSION_ENDED)
            return
        if message.kind == "enter_session":
            if message.welcome_code:  # without a code WeCom allows no welcome
                await self._turn(message, "/greet", welcome_code=message.welcome_code)
            return
        if not message.from_customer:
            return  # a servicer's message, or an event with nothing to say
        self.state.customer_wrote(user, message.send_time or time.time())
        lang = self.languages.follow(user, message.text if message.kind in ("text", "voice") else None)
        if message.reply:
            await self.outbox.deliver(user, [{"text": in_language(message.reply, lang)}], key=message.msgid)
            return
        refusal = self.limits.check(user, None, message.text, lang)
        if refusal is not None:
            await self.outbox.deliver(user, [{"text": refusal}], key=message.msgid)
            return
        text = self.options.take_reply(user, message.text)
        if message.kind == "menu" and text == message.text:  # a menu this process did not show
            text = str(message.detail.get("title") or text)
        await self._turn(message, text)

    async def _turn(self, message: KfIncoming, text: str, welcome_code: str = "") -> None:
        assert self._on_new_message is not None
        collector = CollectingOutputChannel()
        user_message = UserMessage(
            text,
            collector,
            message.external_userid,
            input_channel=self.name(),
            metadata={**message.metadata, "wecom_kf": {"msgtype": message.kind, "open_kfid": self.config.open_kfid}},
        )
        try:
            await self._on_new_message(user_message)
            replies = collector.messages
        except Exception:
            logger.exception("wecom_kf turn for %s failed", message.external_userid)
            replies = [{"text": say(self.languages.of(message.external_userid), "busy")}]
        await self.outbox.deliver(message.external_userid, replies, key=message.msgid, welcome_code=welcome_code)
