"""Service points in English (slot `language` = en): the same facts as bot.service_points.phrasing.

Names, addresses, hours and notes are the operator's data and stay as entered (Chinese).
"""

from __future__ import annotations

from typing import Optional, Sequence, Tuple

from bot.service_points.districts import DISTRICTS
from bot.service_points.store import ServicePoint

DISTRICT_NAMES = {
    "越秀": "Yuexiu",
    "海珠": "Haizhu",
    "荔湾": "Liwan",
    "天河": "Tianhe",
    "白云": "Baiyun",
    "黄埔": "Huangpu",
    "番禺": "Panyu",
    "花都": "Huadu",
    "南沙": "Nansha",
    "从化": "Conghua",
    "增城": "Zengcheng",
}
CHECK_FIRST = "Please call the hall or 12366 to confirm before you go."


def district_name(district: str) -> str:
    return f"{DISTRICT_NAMES.get(district, district)} ({district})"


def _check_first(points: Sequence[ServicePoint]) -> str:
    return f"\n\n{CHECK_FIRST}" if any(p.address for p in points) else ""


def describe_point(point: ServicePoint, distance_km: Optional[float] = None) -> str:
    title = f"**{point.name}**"
    if distance_km is not None:
        title += f" (about {distance_km:.1f} km)"
    lines = [title, f"- Address: {point.address or 'not on file yet; please call 12366'}"]
    if point.hours:
        lines.append(f"- Opening hours: {point.hours}")
    if point.phone:
        lines.append(f"- Phone: {point.phone}")
    if point.booking:
        lines.append(f"- Appointments: {point.booking}")
    if point.notes:
        lines.append(f"- Notes: {point.notes}")
    if not point.verified:
        lines.append("- Not yet checked against an official source")
    return "\n".join(lines)


def describe_district(district: str, points: Sequence[ServicePoint]) -> str:
    if not points:
        return (
            f"I have no details of offline service points in {district_name(district)} yet. "
            "Please call 12366 or see the Guangzhou Municipal Tax Service's website. " + CHECK_FIRST
        )
    body = "\n\n".join(describe_point(p) for p in points)
    return f"Offline tax service points in {district_name(district)}:\n\n{body}" + _check_first(points)


def describe_nearest(found: Sequence[Tuple[ServicePoint, float]]) -> str:
    if not found:
        return "No service point has location details yet. Which district are you in?"
    body = "\n\n".join(describe_point(p, d) for p, d in found)
    return "The offline tax service points nearest to you:\n\n" + body + _check_first([p for p, _ in found])


def ask_district(unrecognised: bool, place: Optional[str] = None) -> str:
    if place:
        lead = (
            f"{place} is not in Guangzhou; I can only look up Guangzhou's offline service points. "
            f"For {place}, please ask the local tax bureau or call 12366. "
        )
    elif unrecognised:
        lead = "I didn't recognise a Guangzhou district. "
    else:
        lead = ""
    names = ", ".join(DISTRICT_NAMES[d] for d in DISTRICTS)
    return (
        f"{lead}I can look up offline service points in Guangzhou's 11 districts: {names}. Which district are you in?"
    )
