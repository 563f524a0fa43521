"""The live outage status from STATUS_URL (the web app by default).

Every read revalidates it with its ETag (an unchanged status costs a 304 with no body; set
STATUS_CACHE_SECONDS to reuse a reading for longer), so a staff change reaches the very next
answer; the last known status (said as such) when the feed fails, and a dead feed is asked
again only every STATUS_RETRY_SECONDS (5) so it does not slow every answer by its timeout.
"""
from __future__ import annotations

import os
from functools import lru_cache
from typing import Optional

from bot.feed import CachedFeed, Reading
from bot.status.model import OutageStatus

DEFAULT_STATUS_URL = "http://127.0.0.1:8080/api/status"

StatusReading = Reading[OutageStatus]


def status_feed(
    url: Optional[str] = None, timeout: Optional[float] = None, cache_seconds: Optional[float] = None
) -> CachedFeed[OutageStatus]:
    return CachedFeed(
        url or os.environ.get("STATUS_URL") or DEFAULT_STATUS_URL,
        OutageStatus.from_dict,
        timeout=float(timeout if timeout is not None else os.environ.get("STATUS_TIMEOUT", 2.0)),
        retry_seconds=float(os.environ.get("STATUS_RETRY_SECONDS", 5)),
        cache_seconds=float(
            cache_seconds if cache_seconds is not None else os.environ.get("STATUS_CACHE_SECONDS", 0)
        ),
    )


@lru_cache(maxsize=1)
def default_client() -> CachedFeed[OutageStatus]:
    """One feed per process, so its cache and last-known status are shared."""
    return status_feed()
