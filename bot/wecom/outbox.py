"""Sending to a 微信客服 customer within WeCom's rules, and recording only what WeCom accepted.

WeCom lets a business send 5 messages per customer message, within 48 hours of it, and none
while a human servicer has the session. The outbox checks its own count first (no call that is
bound to fail), records each send as delivered only when WeCom answered errcode 0, and on
95001 marks the quota spent. Hand-offs transfer the session with kf/service_state/trans (to
WECOM_SERVICER_USERID when set, else to WeCom's queue of human servicers); a release from the
console gives it back to the bot first.
"""

from __future__ import annotations

import hashlib
import logging
import time
from typing import Any, Dict, List, Optional, Sequence

from bot.language import LanguageMemory
from bot.wechat.api import WeChatApiError
from bot.wechat.render import OptionMemory
from bot.wecom.kf_api import (
    QUOTA_EXCEEDED,
    SESSION_STATE_INVALID,
    STATE_BOT,
    STATE_POOL,
    STATE_SERVICER,
    KfApi,
)
from bot.wecom.messages import sends
from bot.wecom.state import KfState

logger = logging.getLogger(__name__)


class DeliveryRefused(Exception):
    """A message could not be delivered (quota, window, servicer, or WeCom said no)."""


def send_id(key: str, index: int) -> str:
    """A stable msgid (≤32 bytes, [0-9a-zA-Z_-]) for the index-th send answering `key`."""
    return hashlib.sha1(f"{key}:{index}".encode()).hexdigest()[:30] + f"{index:02d}"[-2:]


class KfOutbox:
    def __init__(
        self,
        api: Optional[KfApi],
        state: KfState,
        options: OptionMemory,
        servicer_userid: str = "",
        languages: Optional[LanguageMemory] = None,
    ) -> None:
        self.api = api
        self.state = state
        self.options = options
        self.servicer_userid = servicer_userid
        self.languages = languages or LanguageMemory()  # the words the channel adds, in the visitor's language

    async def deliver(
        self, user: str, messages: Sequence[Dict[str, Any]], key: str = "", welcome_code: str = ""
    ) -> bool:
        """Send a bot turn; True when every part was delivered. `key` makes the sends' msgids
        stable (the answered message's msgid); `welcome_code` sends through send_msg_on_event."""
        lang = self.languages.of(user)
        rendered = self.options.render(user, messages, lang)
        if rendered.released and self.state.customer(user).with_servicer:
            if not await self._transfer(user, STATE_BOT):  # e.g. the servicer already ended it
                self.state.set_with_servicer(user, False)  # WeCom's answer to the send tells the rest
        delivered = True
        for index, body in enumerate(sends(rendered, lang)):
            msgid = send_id(key or f"{user}:{time.time()}", index)
            if welcome_code and index == 0:
                delivered &= await self._welcome(user, welcome_code, body, msgid)
            else:
                delivered &= await self._send(user, body, msgid)
        if rendered.handoff:
            if self.servicer_userid:
                await self._transfer(user, STATE_SERVICER, self.servicer_userid)
            else:
                await self._transfer(user, STATE_POOL)
        return delivered

    async def _welcome(self, user: str, code: str, body: Dict[str, Any], msgid: str) -> bool:
        if self.api is None:
            self.state.record_send(user, body["msgtype"], "skipped", detail="channel not configured")
            return False
        try:
            sent = await self.api.send_msg_on_event(code, {**body, "msgid": msgid})
        except Exception as error:  # the code is valid once, for 20 s: nothing to retry
            self.state.record_send(user, body["msgtype"], "refused", msgid, f"welcome: {error}")
            logger.warning("welcome to %s not sent: %s", user, error)
            return False
        self.state.record_send(user, body["msgtype"], "delivered", sent or msgid, "welcome")
        return True

    async def _send(self, user: str, body: Dict[str, Any], msgid: str) -> bool:
        why_not = "channel not configured" if self.api is None else self.state.customer(user).may_send(time.time())
        if why_not is not None or self.api is None:
            why_not = why_not or "channel not configured"
            self.state.record_send(user, body["msgtype"], "skipped", msgid, why_not)
            logger.warning("message to %s not sent: %s", user, why_not)
            return False
        try:
            sent = await self.api.send_msg(user, body, msgid)
        except WeChatApiError as error:
            if error.errcode == QUOTA_EXCEEDED:
                self.state.quota_spent(user)
            elif error.errcode == SESSION_STATE_INVALID:
                self.state.set_with_servicer(user, True)
            self.state.record_send(user, body["msgtype"], "refused", msgid, str(error))
            logger.warning("message to %s refused: %s", user, error)
            return False
        except Exception as error:  # network: not delivered, logged, never raised into a turn
            self.state.record_send(user, body["msgtype"], "failed", msgid, repr(error))
            logger.error("message to %s failed: %r", user, error)
            return False
        self.state.count_send(user)
        self.state.record_send(user, body["msgtype"], "delivered", sent or msgid)
        return True

    async def _transfer(self, user: str, state: int, servicer: str = "") -> bool:
        if self.api is None:
            return False
        try:
            await self.api.transfer(user, state, servicer)
        except Exception as error:
            self.state.record_send(user, "transfer", "refused", detail=f"to state {state}: {error}")
            logger.warning("transfer of %s to state %s failed: %s", user, state, error)
            return False
        self.state.set_with_servicer(user, state != STATE_BOT)
        self.state.record_send(user, "transfer", "delivered", detail=f"state {state} {servicer}".strip())
        return True

    def sent(self, user: str) -> List[str]:
        return [s.status for s in self.state.sends_to(user)]
