"""Where the actions get the service points: the web app's live list, the YAML as fallback."""
from __future__ import annotations

import os
from functools import lru_cache
from typing import List

from bot import settings
from bot.feed import CachedFeed
from bot.service_points.store import ServicePoint, load_points, parse_points

SERVICE_POINTS_FILE = settings.path_setting("SERVICE_POINTS_FILE", "data/service_points.yml")
DEFAULT_URL = "http://127.0.0.1:8080/api/service-points"


@lru_cache(maxsize=1)
def service_points_feed() -> CachedFeed[List[ServicePoint]]:
    return CachedFeed(
        os.environ.get("SERVICE_POINTS_URL") or DEFAULT_URL,
        parse_points,
        timeout=float(os.environ.get("STATUS_TIMEOUT", 2.0)),
        cache_seconds=float(os.environ.get("STATUS_CACHE_SECONDS", 30)),
    )


async def current_points() -> List[ServicePoint]:
    """The live list; the operator YAML when the web app has never answered this process."""
    reading = await service_points_feed().read()
    if reading.value is not None:
        return reading.value
    return load_points(SERVICE_POINTS_FILE)
