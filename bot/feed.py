"""A JSON feed read over HTTP, revalidated with its ETag, with a last-known copy.

Why: the actions read live data (status, service points) from the web app, or from any feed
of the same shape. A staff change must reach the next answer within seconds, so a reading
is reused only for `cache_seconds` (none for the status: every read revalidates) and then revalidated with
`If-None-Match`: an unchanged feed answers 304 with no body. A slow or broken feed must never
become a stack trace or silence: a failure returns the last value this process saw, marked as
not fresh, and the feed is left alone for `retry_seconds` so a dead feed does not slow every
answer by its timeout. Readers that queue behind a request share the next one (sent after they
asked), and the connection to the feed is kept: under load a request each, on a new connection,
was most of the action server's time.
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
        self._asked_at = float("-inf")  # when the request behind `_last` was sent
        self._failed_at = float("-inf")
        self._lock = asyncio.Lock()
        self._session: Optional[aiohttp.ClientSession] = None

    def _client(self) -> aiohttp.ClientSession:
        """One session per event loop, its connection kept (idle ones dropped after 2 s)."""
        loop = asyncio.get_running_loop()
        if self._session is None or self._session.closed or self._session.loop is not loop:
            connector = aiohttp.TCPConnector(keepalive_timeout=2.0)
            self._session = aiohttp.ClientSession(connector=connector)
        return self._session

    async def _fetch(self) -> T:
        """The feed's value; the last one when the feed answers 304 Not Modified."""
        headers: Dict[str, str] = {"Accept": "application/json"}
        if self._etag and self._last is not None:
            headers["If-None-Match"] = self._etag
        timeout = aiohttp.ClientTimeout(total=self.timeout)
        async with self._client().get(self.url, headers=headers, timeout=timeout) as response:
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
        called_at = time.monotonic()
        async with self._lock:
            now = time.monotonic()
            if self._last is not None and now - self._fetched_at < max_age:
                return Reading(self._last, True)
            # Readers that queued while a request was out share the next one: it was sent
            # after they asked, so it is as fresh as their own would be (one request, not one each).
            if self._last is not None and self._asked_at >= called_at:
                return Reading(self._last, True)
            if not insist and now - self._failed_at < self.retry_seconds:
                return Reading(self._last, False)
            try:
                asked_at = time.monotonic()
                self._last = await self._fetch()
                self._fetched_at = time.monotonic()
                self._asked_at = asked_at
                self._failed_at = float("-inf")
                return Reading(self._last, True)
            except (aiohttp.ClientError, asyncio.TimeoutError, ValueError) as error:
                logger.warning("feed %s failed: %r", self.url, error)
                self._failed_at = time.monotonic()
                return Reading(self._last, False)
