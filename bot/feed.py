"""A JSON feed read over HTTP, revalidated with its ETag, with a last-known copy.

Why: the actions read live data (status, service points) from the web app, or from any feed
of the same shape. A staff change must reach the next answer within seconds, so a reading
is reused only for `cache_seconds` (none for the status: every read revalidates) and then revalidated with
`If-None-Match`: an unchanged feed answers 304 with no body. A slow or broken feed must never
become a stack trace or silence: a failure returns the last value this process saw, marked as
not fresh, and the feed is left alone for `retry_seconds` so a dead feed does not slow every
answer by its timeout.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass
from typing import Callable, Dict, Generic, Optional, TypeVar

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
        self,
        url: str,
        parse: Callable[[object], T],
        timeout: float = 2.0,
        cache_seconds: float = 1.0,
        retry_seconds: float = 5.0,
    ) -> None:
        self.url = url
        self.parse = parse
        self.timeout = timeout
        self.cache_seconds = cache_seconds
        self.retry_seconds = retry_seconds
        self._last: Optional[T] = None
        self._etag: Optional[str] = None
        self._fetched_at = float("-inf")
        self._failed_at = float("-inf")
        self._lock = asyncio.Lock()

    async def _fetch(self) -> T:
        """The feed's value; the last one when the feed answers 304 Not Modified."""
        headers: Dict[str, str] = {"Accept": "application/json"}
        if self._etag and self._last is not None:
            headers["If-None-Match"] = self._etag
        timeout = aiohttp.ClientTimeout(total=self.timeout)
        async with aiohttp.ClientSession(timeout=timeout) as session:
            async with session.get(self.url, headers=headers) as response:
                if response.status == 304 and self._last is not None:
                    return self._last
                response.raise_for_status()
                value = self.parse(await response.json(content_type=None))
                self._etag = response.headers.get("ETag")
                return value

    async def read(self, max_age: Optional[float] = None) -> Reading[T]:
        """The value: reused for `cache_seconds` (or `max_age`), the last known one on failure.

        After a failure the feed is asked again only after `retry_seconds`, unless the caller
        insists (`max_age=0`, e.g. the restoration notice that a status change triggered).
        """
        insist = max_age == 0
        max_age = self.cache_seconds if max_age is None else max_age
        async with self._lock:
            now = time.monotonic()
            if self._last is not None and now - self._fetched_at < max_age:
                return Reading(self._last, True)
            if not insist and now - self._failed_at < self.retry_seconds:
                return Reading(self._last, False)
            try:
                self._last = await self._fetch()
                self._fetched_at = time.monotonic()
                self._failed_at = float("-inf")
                return Reading(self._last, True)
            except (aiohttp.ClientError, asyncio.TimeoutError, ValueError) as error:
                logger.warning("feed %s failed: %r", self.url, error)
                self._failed_at = time.monotonic()
                return Reading(self._last, False)
