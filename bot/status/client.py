"""The live outage status from STATUS_URL (the web app by default).

Every read revalidates it with its ETag (an unchanged status costs a 304 with no body; set
STATUS_CACHE_SECONDS to reuse a reading for longer), so a staff change reaches the very next
answer; the last known status (said as such) when the feed fails, and a dead feed is asked
again only every STATUS_RETRY_SECONDS (5) so it does not slow every answer by its timeout.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Optional

from bot import settings
from bot.feed import CachedFeed, Reading
from bot.status.model import OutageStatus

StatusReading = Reading[OutageStatus]


def status_feed(
    url: Optional[str] = None, timeout: Optional[float] = None, cache_seconds: Optional[float] = None
) -> CachedFeed[OutageStatus]:
    return CachedFeed(
        url or settings.STATUS_URL,
        OutageStatus.from_dict,
        timeout=settings.STATUS_TIMEOUT if timeout is None else timeout,
        retry_seconds=settings.STATUS_RETRY_SECONDS,
        cache_seconds=settings.STATUS_CACHE_SECONDS if cache_seconds is None else cache_seconds,
    )


@lru_cache(maxsize=1)
def default_client() -> CachedFeed[OutageStatus]:
    """One feed per process, so its cache and last-known status are shared."""
    return status_feed()
