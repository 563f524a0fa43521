"""WeCom's customer-service (微信客服) API: the calls the wecom_kf channel makes.

Tokens come from /cgi-bin/gettoken (corp id + the secret of the app that may call 微信客服),
cached and refreshed by one caller at a time (`bot.wechat.api.TokenCache`, shared with the
official account's client).
"""

from __future__ import annotations

from typing import Any, Dict, Optional, Tuple

from bot import settings
from bot.wechat.api import JsonApi, WeChatApiError

DEFAULT_API_BASE = settings.WECOM_API_BASE

QUOTA_EXCEEDED = 95001  # more messages than allowed since the customer's last message
SESSION_STATE_INVALID = 95018  # the session is with a human servicer (or ended): no API sends
OUTSIDE_WINDOW = 45015  # no customer message within 48 hours
REFUSALS = {QUOTA_EXCEEDED, SESSION_STATE_INVALID, OUTSIDE_WINDOW}

# kf/service_state/trans targets
STATE_BOT = 1  # 由智能助手接待
STATE_POOL = 2  # 待接入池排队中: WeCom assigns a human servicer
STATE_SERVICER = 3  # 由人工接待


class KfApi(JsonApi):
    def __init__(
        self, corp_id: str, secret: str, open_kfid: str, base_url: str = DEFAULT_API_BASE, timeout: float = 5.0
    ) -> None:
        super().__init__(base_url, timeout)
        self.corp_id = corp_id
        self.secret = secret
        self.open_kfid = open_kfid

    async def fetch_token(self) -> Tuple[str, float]:
        data = await self.request(
            "GET", "/cgi-bin/gettoken", params={"corpid": self.corp_id, "corpsecret": self.secret}
        )
        return data["access_token"], float(data.get("expires_in", 7200))

    async def sync_msg(self, cursor: str, token: str, limit: int = 1000) -> Dict[str, Any]:
        """One page: {"next_cursor", "has_more", "msg_list"}."""
        body: Dict[str, Any] = {"limit": limit, "open_kfid": self.open_kfid}
        if cursor:
            body["cursor"] = cursor
        if token:
            body["token"] = token
        return await self.call("/cgi-bin/kf/sync_msg", body)

    async def send_msg(self, external_userid: str, message: Dict[str, Any], msgid: Optional[str] = None) -> str:
        """Send a text or msgmenu message; WeCom's msgid of it."""
        body = {"touser": external_userid, "open_kfid": self.open_kfid, **message}
        if msgid:
            body["msgid"] = msgid
        return str((await self.call("/cgi-bin/kf/send_msg", body)).get("msgid", ""))

    async def send_msg_on_event(self, welcome_code: str, message: Dict[str, Any]) -> str:
        """The welcome for an enter_session event (its code is valid once, for 20 seconds)."""
        return str(
            (await self.call("/cgi-bin/kf/send_msg_on_event", {"code": welcome_code, **message})).get("msgid", "")
        )

    async def transfer(self, external_userid: str, state: int, servicer_userid: str = "") -> None:
        body: Dict[str, Any] = {"open_kfid": self.open_kfid, "external_userid": external_userid, "service_state": state}
        if servicer_userid:
            body["servicer_userid"] = servicer_userid
        await self.call("/cgi-bin/kf/service_state/trans", body)


__all__ = [
    "KfApi",
    "WeChatApiError",
    "QUOTA_EXCEEDED",
    "SESSION_STATE_INVALID",
    "OUTSIDE_WINDOW",
    "REFUSALS",
    "STATE_BOT",
    "STATE_POOL",
    "STATE_SERVICER",
]
