"""Service points as short Chinese text for a phone screen."""

from __future__ import annotations

from typing import Optional, Sequence, Tuple

from bot.contacts import load_contacts
from bot.service_points.districts import DISTRICTS
from bot.service_points.store import ServicePoint


def hotline() -> str:
    """The hotline number from the operator data (data/contacts.yml), never hard-coded."""
    return load_contacts().hotline


def check_first() -> str:
    return f"出发前请先致电服务点或拨打{hotline()}确认。"


def _check_first(points: Sequence[ServicePoint]) -> str:
    """The reminder every answer that gives an address ends with."""
    return f"\n\n{check_first()}" if any(p.address for p in points) else ""


def describe_point(point: ServicePoint, distance_km: Optional[float] = None) -> str:
    title = f"**{point.name}**"
    if distance_km is not None:
        title += f"（约{distance_km:.1f}公里）"
    lines = [title]
    lines.append(f"- 地址：{point.address or f'暂未收录，请拨打{hotline()}查询'}")
    if point.hours:
        lines.append(f"- 办公时间：{point.hours}")
    if point.phone:
        lines.append(f"- 电话：{point.phone}")
    if point.booking:
        lines.append(f"- 预约：{point.booking}")
    if point.notes:
        lines.append(f"- 备注：{point.notes}")
    if not point.verified:
        lines.append("- 此条信息尚未与官方来源核对")
    return "\n".join(lines)


def describe_district(district: str, points: Sequence[ServicePoint]) -> str:
    if not points:
        return f"暂时没有{district}区线下服务点的资料。请拨打{hotline()}或查看广州市税务局官网查询。"
    body = "\n\n".join(describe_point(p) for p in points)
    return f"{district}区的线下办税服务点：\n\n{body}" + _check_first(points)


def describe_nearest(found: Sequence[Tuple[ServicePoint, float]]) -> str:
    if not found:
        return "服务点资料里还没有位置坐标，无法按位置查找。请告诉我您在哪个区。"
    body = "\n\n".join(describe_point(p, d) for p, d in found)
    return f"离您最近的线下办税服务点：\n\n{body}" + _check_first([p for p, _ in found])


def ask_district(unrecognised: bool, place: Optional[str] = None) -> str:
    """Ask for the district; say why when the visitor named a place we do not cover."""
    if place:
        lead = f"{place}不在广州市，这里只能查询广州市的线下服务点；{place}的服务点请咨询当地税务局或拨打{hotline()}。"
    elif unrecognised:
        lead = "没有识别到广州市的区名。"
    else:
        lead = ""
    return f"{lead}目前可以查询广州市11个区的线下服务点：{'、'.join(DISTRICTS)}。请问您在哪个区？"
