"""WeChat's server APIs (公众号 and 企业微信 alike): JSON calls with one cached access token.

Why: every token fetch can invalidate the token other callers hold, so a token is fetched
once, cached until shortly before it expires, and refreshed by one caller at a time; a call
that WeChat answers with an expired or invalid token (40001, 40014, 42001) is retried once with
a fresh one. `JsonApi` is shared by the official account's customer-service messages
(`WeChatApi`) and WeCom's customer-service API (`bot.wecom.kf_api.KfApi`). Base URLs are
configurable so that tests run against fakes.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass
from typing import Any, Awaitable, Callable, Dict, Optional, Tuple

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


class TokenCache:
    """One access token, fetched by one caller at a time and reused until shortly before expiry."""

    def __init__(self, fetch: Callable[[], Awaitable[Tuple[str, float]]]) -> None:
        self._fetch = fetch  # returns (token, lifetime in seconds)
        self._token: Optional[_Token] = None
        self._lock = asyncio.Lock()
        self.fetches = 0

    async def get(self, rejected: Optional[str] = None) -> str:
        """The cached token; `rejected` (a token WeChat just refused) is replaced unless another
        caller already did so."""
        async with self._lock:
            current = self._token
            if current and time.monotonic() < current.expires_at and current.value != rejected:
                return current.value
            value, lifetime = await self._fetch()
            self.fetches += 1
            self._token = _Token(value, time.monotonic() + max(lifetime - REFRESH_MARGIN_SECONDS, lifetime / 2))
            return value


class JsonApi:
    """POST/GET JSON to a WeChat-style API that answers {"errcode": …, "errmsg": …}."""

    def __init__(self, base_url: str, timeout: float = 5.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout = aiohttp.ClientTimeout(total=timeout)
        self.tokens = TokenCache(self.fetch_token)

    async def fetch_token(self) -> Tuple[str, float]:
        raise NotImplementedError

    async def request(
        self, method: str, path: str, body: Optional[Dict[str, Any]] = None, params: Optional[Dict[str, str]] = None
    ) -> Dict[str, Any]:
        async with aiohttp.ClientSession(timeout=self.timeout) as session:
            async with session.request(method, f"{self.base_url}{path}", json=body, params=params) as response:
                response.raise_for_status()
                data = await response.json(content_type=None)
        if not isinstance(data, dict):
            raise WeChatApiError(-1, "answer is not a JSON object")
        if data.get("errcode"):
            raise WeChatApiError(int(data["errcode"]), str(data.get("errmsg", "")))
        return data

    async def call(self, path: str, body: Dict[str, Any]) -> Dict[str, Any]:
        """POST with the access token; retried once with a fresh token if it was rejected."""
        rejected: Optional[str] = None
        for attempt in range(2):
            token = await self.tokens.get(rejected)
            try:
                return await self.request("POST", path, body, {"access_token": token})
            except WeChatApiError as error:
                if error.errcode not in TOKEN_ERRORS or attempt:
                    raise
                logger.warning("WeChat rejected the access token (%s); refreshing once", error.errcode)
                rejected = token
        raise AssertionError("unreachable")


class WeChatApi(JsonApi):
    """The official account: stable_token and customer-service messages (客服消息)."""

    def __init__(self, app_id: str, app_secret: str, base_url: str = DEFAULT_API_BASE, timeout: float = 5.0) -> None:
        super().__init__(base_url, timeout)
        self.app_id = app_id
        self.app_secret = app_secret

    async def fetch_token(self) -> Tuple[str, float]:
        data = await self.request(
            "POST",
            "/cgi-bin/stable_token",
            {
                "grant_type": "client_credential",
                "appid": self.app_id,
                "secret": self.app_secret,
                "force_refresh": False,
            },
        )
        return data["access_token"], float(data.get("expires_in", 7200))

    async def access_token(self, rejected: Optional[str] = None) -> str:
        return await self.tokens.get(rejected)

    async def send_text(self, openid: str, content: str) -> None:
        """A customer-service text message."""
        await self.call(
            "/cgi-bin/message/custom/send", {"touser": openid, "msgtype": "text", "text": {"content": content}}
        )
