"""Where the actions get the service points: the operator YAML (the web app's store later)."""
from __future__ import annotations

from pathlib import Path
from typing import Dict, List, Tuple

from bot import settings
from bot.service_points.store import ServicePoint, load_points

SERVICE_POINTS_FILE = settings.path_setting("SERVICE_POINTS_FILE", "data/service_points.yml")
_cache: Dict[Path, Tuple[float, List[ServicePoint]]] = {}


async def current_points() -> List[ServicePoint]:
    """The service points, re-read when the file changes."""
    path = SERVICE_POINTS_FILE
    mtime = path.stat().st_mtime
    cached = _cache.get(path)
    if not cached or cached[0] != mtime:
        _cache[path] = (mtime, load_points(path))
    return _cache[path][1]
