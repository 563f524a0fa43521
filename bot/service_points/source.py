"""Where the actions get the service points: the web app's live list, the YAML as fallback."""

from __future__ import annotations

from functools import lru_cache
from typing import List

from bot import settings
from bot.feed import CachedFeed
from bot.service_points.store import ServicePoint, load_points, parse_points


@lru_cache(maxsize=1)
def service_points_feed() -> CachedFeed[List[ServicePoint]]:
    return CachedFeed(
        settings.SERVICE_POINTS_URL,
        parse_points,
        timeout=settings.STATUS_TIMEOUT,
        cache_seconds=settings.SERVICE_POINTS_CACHE_SECONDS,
    )


async def current_points() -> List[ServicePoint]:
    """The live list; the operator YAML when the web app has never answered this process."""
    reading = await service_points_feed().read()
    if reading.value is not None:
        return reading.value
    return load_points(settings.SERVICE_POINTS_FILE)
