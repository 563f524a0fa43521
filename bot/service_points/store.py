"""Offline tax service points: loaded from operator YAML, checked against a schema.

Why: addresses, hours and phone numbers must come from data operators maintain; a bad
entry is refused with the entry and the field named, so a typo never reaches a user.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Tuple

import yaml

from bot.service_points.districts import DISTRICTS

REQUIRED = ("id", "name", "district")
TEXT_FIELDS = ("address", "hours", "phone", "booking", "notes", "source")


class ServicePointError(ValueError):
    """A bad service-point entry, naming the entry and the field."""

    def __init__(self, entry: str, field_name: str, problem: str) -> None:
        super().__init__(f"service point {entry}: {field_name} {problem}")
        self.entry, self.field, self.problem = entry, field_name, problem


@dataclass(frozen=True)
class ServicePoint:
    id: str
    name: str
    district: str
    address: str = ""
    latitude: Optional[float] = None
    longitude: Optional[float] = None
    hours: str = ""
    phone: str = ""
    services: Tuple[str, ...] = field(default_factory=tuple)
    booking: str = ""
    notes: str = ""
    source: str = ""
    verified: Optional[date] = None

    @property
    def has_location(self) -> bool:
        return self.latitude is not None and self.longitude is not None

    def to_dict(self) -> Dict[str, Any]:
        data = dict(self.__dict__)
        data["services"] = list(self.services)
        data["verified"] = self.verified.isoformat() if self.verified else None
        return data


def parse_point(raw: Any, index: int) -> ServicePoint:
    """One entry from YAML or JSON; raises ServicePointError naming entry and field."""
    label = f"#{index + 1}"
    if not isinstance(raw, dict):
        raise ServicePointError(label, "entry", "must be a mapping")
    label = str(raw.get("id") or label)
    known = set(ServicePoint.__dataclass_fields__)
    for key in raw:
        if key not in known:
            raise ServicePointError(label, str(key), "is not a known field")
    for key in REQUIRED:
        if not isinstance(raw.get(key), str) or not raw[key].strip():
            raise ServicePointError(label, key, "is required text")
    if raw["district"] not in DISTRICTS:
        raise ServicePointError(label, "district", f"must be one of {'、'.join(DISTRICTS)}")
    values: Dict[str, Any] = {k: raw[k].strip() for k in REQUIRED}
    for key in TEXT_FIELDS:
        value = raw.get(key)
        if value is not None and not isinstance(value, (str, int)):
            raise ServicePointError(label, key, "must be text")
        values[key] = str(value).strip() if value is not None else ""
    for key, low, high in (("latitude", 20.0, 25.0), ("longitude", 112.0, 115.0)):
        value = raw.get(key)
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not low <= value <= high:
            raise ServicePointError(label, key, f"must be a number between {low} and {high} (Guangzhou)")
        values[key] = float(value)
    if (values.get("latitude") is None) != (values.get("longitude") is None):
        raise ServicePointError(label, "latitude/longitude", "must be given together")
    services = raw.get("services") or []
    if not isinstance(services, list) or not all(isinstance(s, str) for s in services):
        raise ServicePointError(label, "services", "must be a list of text")
    values["services"] = tuple(s.strip() for s in services if s.strip())
    verified = raw.get("verified")
    if verified is not None:
        if isinstance(verified, str):
            try:
                verified = date.fromisoformat(verified)
            except ValueError:
                raise ServicePointError(label, "verified", "must be a date YYYY-MM-DD") from None
        if not isinstance(verified, date):
            raise ServicePointError(label, "verified", "must be a date YYYY-MM-DD")
        if not values["source"]:
            raise ServicePointError(label, "verified", "needs the source it was checked against")
        values["verified"] = verified
    return ServicePoint(**values)


def parse_points(raw: Any) -> List[ServicePoint]:
    """All entries of a service-point list; ids must be unique."""
    if isinstance(raw, dict):
        raw = raw.get("service_points")
    if not isinstance(raw, list):
        raise ServicePointError("file", "service_points", "must be a list of entries")
    points = [parse_point(entry, i) for i, entry in enumerate(raw)]
    seen = set()
    for point in points:
        if point.id in seen:
            raise ServicePointError(point.id, "id", "is used twice")
        seen.add(point.id)
    return points


def load_points(path: Path) -> List[ServicePoint]:
    return parse_points(yaml.safe_load(Path(path).read_text(encoding="utf-8")))


DETAILS = ("address", "hours", "phone", "location")


def missing_details(point: ServicePoint) -> List[str]:
    """The details a visitor would ask for that this entry lacks (`location`: coordinates)."""
    present = {"address": point.address, "hours": point.hours, "phone": point.phone, "location": point.has_location}
    return [name for name in DETAILS if not present[name]]


def completeness(points: Sequence[ServicePoint]) -> Dict[str, Any]:
    """How much of the list operators have filled in: shown to staff, logged at start."""
    return {
        "total": len(points),
        "with_address": sum(1 for p in points if p.address),
        "with_location": sum(1 for p in points if p.has_location),
        "verified": sum(1 for p in points if p.verified),
        "missing": {p.id: gaps for p in points if (gaps := missing_details(p))},
    }


def in_district(points: Sequence[ServicePoint], district: str) -> List[ServicePoint]:
    return [p for p in points if p.district == district]


def distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance (haversine)."""
    radius = 6371.0
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    d_phi, d_lambda = math.radians(lat2 - lat1), math.radians(lon2 - lon1)
    a = math.sin(d_phi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(d_lambda / 2) ** 2
    return 2 * radius * math.asin(math.sqrt(a))


def nearest(
    points: Sequence[ServicePoint], latitude: float, longitude: float, count: int = 3
) -> List[Tuple[ServicePoint, float]]:
    """The `count` nearest points that have coordinates, with their distance in km."""
    located = [
        (p, distance_km(latitude, longitude, p.latitude, p.longitude))
        for p in points
        if p.latitude is not None and p.longitude is not None
    ]
    return sorted(located, key=lambda item: item[1])[:count]
