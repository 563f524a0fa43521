"""WeChat's server API: one cached access token, and customer-service messages (客服消息).

Why: every `stable_token` or `token` fetch can invalidate the token other processes hold, so
the token is fetched once, cached until shortly before it expires, and refreshed by one
caller at a time. The base URL is configurable so that tests run against a fake WeChat API.
"""
from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass
from typing import Any, Dict, Optional

import aiohttp

logger = logging.getLogger(__name__)

DEFAULT_API_BASE = "https://api.weixin.qq.com"
REFRESH_MARGIN_SECONDS = 300
TOKEN_ERRORS = {40001, 40014, 42001}  # invalid or expired access token
OUTSIDE_WINDOW = 45015  # the user has not written within 48 hours


class WeChatApiError(Exception):
    def __init__(self, errcode: int, errmsg: str) -> None:
        super().__init__(f"WeChat API error {errcode}: {errmsg}")
        self.errcode = errcode


@dataclass
class _Token:
    value: str
    expires_at: float


class WeChatApi:
    def __init__(self, app_id: str, app_secret: str, base_url: str = DEFAULT_API_BASE, timeout: float = 5.0) -> None:
        self.app_id = app_id
        self.app_secret = app_secret
        self.base_url = base_url.rstrip("/")
        self.timeout = aiohttp.ClientTimeout(total=timeout)
        self._token: Optional[_Token] = None
        self._lock = asyncio.Lock()

    async def _post(self, path: str, body: Dict[str, Any], params: Optional[Dict[str, str]] = None) -> Dict[str, Any]:
        async with aiohttp.ClientSession(timeout=self.timeout) as session:
            async with session.post(f"{self.base_url}{path}", json=body, params=params) as response:
                response.raise_for_status()
                data = await response.json(content_type=None)
        if data.get("errcode"):
            raise WeChatApiError(int(data["errcode"]), str(data.get("errmsg", "")))
        return data

    async def access_token(self, rejected: Optional[str] = None) -> str:
        """The cached token, refreshed by one caller at a time shortly before it expires.

        `rejected`: a token WeChat just refused; it is replaced unless another caller
        already did so.
        """
        async with self._lock:
            current = self._token
            if current and time.monotonic() < current.expires_at and current.value != rejected:
                return current.value
            data = await self._post(
                "/cgi-bin/stable_token",
                {"grant_type": "client_credential", "appid": self.app_id, "secret": self.app_secret,
                 "force_refresh": False},
            )
            lifetime = float(data.get("expires_in", 7200))
            self._token = _Token(data["access_token"], time.monotonic() + lifetime - REFRESH_MARGIN_SECONDS)
            return self._token.value

    async def send_text(self, openid: str, content: str) -> None:
        """A customer-service text message; retried once with a fresh token if it was rejected."""
        body = {"touser": openid, "msgtype": "text", "text": {"content": content}}
        rejected: Optional[str] = None
        for attempt in range(2):
            token = await self.access_token(rejected)
            try:
                await self._post("/cgi-bin/message/custom/send", body, {"access_token": token})
                return
            except WeChatApiError as error:
                if error.errcode not in TOKEN_ERRORS or attempt:
                    raise
                logger.warning("WeChat rejected the access token (%s); refreshing once", error.errcode)
                rejected = token
