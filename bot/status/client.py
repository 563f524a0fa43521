"""Reads the live outage status from STATUS_URL, with a short cache and a last-known copy.

Why: "什么时候恢复" must be answered from the live feed, quickly, and never with a stack
trace or silence: a slow or broken feed falls back to the last status this process saw,
marked as possibly out of date.
"""
from __future__ import annotations

import asyncio
import logging
import os
import time
from dataclasses import dataclass
from typing import Optional

import aiohttp

from bot.status.model import OutageStatus, StatusError

logger = logging.getLogger(__name__)

DEFAULT_STATUS_URL = "http://127.0.0.1:8080/api/status"


@dataclass(frozen=True)
class StatusReading:
    """A status and whether it is fresh from the feed (False: last known, feed failing)."""

    status: Optional[OutageStatus]
    fresh: bool


class StatusClient:
    def __init__(
        self,
        url: Optional[str] = None,
        timeout: Optional[float] = None,
        cache_seconds: Optional[float] = None,
    ) -> None:
        self.url = url or os.environ.get("STATUS_URL") or DEFAULT_STATUS_URL
        self.timeout = float(timeout if timeout is not None else os.environ.get("STATUS_TIMEOUT", 2.0))
        self.cache_seconds = float(
            cache_seconds if cache_seconds is not None else os.environ.get("STATUS_CACHE_SECONDS", 30)
        )
        self._last: Optional[OutageStatus] = None
        self._fetched_at = float("-inf")
        self._lock = asyncio.Lock()

    async def _fetch(self) -> OutageStatus:
        timeout = aiohttp.ClientTimeout(total=self.timeout)
        async with aiohttp.ClientSession(timeout=timeout) as session:
            async with session.get(self.url, headers={"Accept": "application/json"}) as response:
                response.raise_for_status()
                return OutageStatus.from_dict(await response.json(content_type=None))

    async def read(self) -> StatusReading:
        """The current status: cached for `cache_seconds`, last known when the feed fails."""
        async with self._lock:
            if self._last and time.monotonic() - self._fetched_at < self.cache_seconds:
                return StatusReading(self._last, True)
            try:
                self._last = await self._fetch()
                self._fetched_at = time.monotonic()
                return StatusReading(self._last, True)
            except (aiohttp.ClientError, asyncio.TimeoutError, ValueError, StatusError) as error:
                logger.warning("status feed %s failed: %r", self.url, error)
                return StatusReading(self._last, False)


_default: Optional[StatusClient] = None


def default_client() -> StatusClient:
    """One client per process, so its cache and last-known status are shared."""
    global _default
    if _default is None:
        _default = StatusClient()
    return _default
