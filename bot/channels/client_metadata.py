"""What a channel keeps from the metadata a client sends with a message: a location, nothing else.

Rasa copies channel metadata into the conversation and actions read it, so a client-chosen
key (e.g. `is_external`, which marks Rasa's external events) must never pass through.
"""

from __future__ import annotations

import json
import math
from typing import Any, Dict, Optional


def _coordinate(value: Any, limit: float) -> Optional[float]:
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        return None
    try:
        number = float(value)
    except ValueError:
        return None
    return number if math.isfinite(number) and -limit <= number <= limit else None


def allowed_metadata(raw: Any) -> Optional[Dict[str, Any]]:
    """{"location": {"latitude", "longitude"}} when the client sent a valid one, else None."""
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except ValueError:
            return None
    location = raw.get("location") if isinstance(raw, dict) else None
    if not isinstance(location, dict):
        return None
    latitude = _coordinate(location.get("latitude"), 90.0)
    longitude = _coordinate(location.get("longitude"), 180.0)
    if latitude is None or longitude is None:
        return None
    return {"location": {"latitude": latitude, "longitude": longitude}}
