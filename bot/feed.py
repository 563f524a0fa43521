"""A JSON feed read over HTTP with a short cache and a last-known copy.

Why: the actions read live data (status, service points) from the web app, or from any feed
of the same shape; a slow or broken feed must never become a stack trace or silence, so a
failure returns the last value this process saw, marked as not fresh.
"""
from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass
from typing import Callable, Generic, Optional, TypeVar

import aiohttp

logger = logging.getLogger(__name__)

T = TypeVar("T")


@dataclass(frozen=True)
class Reading(Generic[T]):
    """A value and whether it is fresh from the feed (False: last known, or none)."""

    value: Optional[T]
    fresh: bool


class CachedFeed(Generic[T]):
    def __init__(
        self, url: str, parse: Callable[[object], T], timeout: float = 2.0, cache_seconds: float = 30.0
    ) -> None:
        self.url = url
        self.parse = parse
        self.timeout = timeout
        self.cache_seconds = cache_seconds
        self._last: Optional[T] = None
        self._fetched_at = float("-inf")
        self._lock = asyncio.Lock()

    async def _fetch(self) -> T:
        timeout = aiohttp.ClientTimeout(total=self.timeout)
        async with aiohttp.ClientSession(timeout=timeout) as session:
            async with session.get(self.url, headers={"Accept": "application/json"}) as response:
                response.raise_for_status()
                return self.parse(await response.json(content_type=None))

    async def read(self, max_age: Optional[float] = None) -> Reading[T]:
        """The value: cached for `cache_seconds` (or `max_age`), the last known one on failure."""
        max_age = self.cache_seconds if max_age is None else max_age
        async with self._lock:
            if self._last is not None and time.monotonic() - self._fetched_at < max_age:
                return Reading(self._last, True)
            try:
                self._last = await self._fetch()
                self._fetched_at = time.monotonic()
                return Reading(self._last, True)
            except (aiohttp.ClientError, asyncio.TimeoutError, ValueError) as error:
                logger.warning("feed %s failed: %r", self.url, error)
                return Reading(self._last, False)
