"""Service points as short text for a phone screen, in the visitor's language.

One composer over a text table per language (zh, the default, and en for slot `language` = en).
Names, addresses, hours and notes are the operator's data and stay as entered (Chinese); the
English text says so once, above the list. The hotline comes from data/contacts.yml.
"""

from __future__ import annotations

from typing import Dict, Optional, Sequence, Tuple

from bot.contacts import load_contacts
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

# Every word the composers below use, per language (templates filled with str.format).
TEXTS: Dict[str, Dict[str, str]] = {
    "zh": {
        "check_first": "出发前请先致电服务点或拨打{hotline}确认。",
        "distance": "（约{km:.1f}公里）",
        "address": "- 地址：{address}",
        "no_address": "暂未收录，请拨打{hotline}查询",
        "hours": "- 办公时间：{value}",
        "phone": "- 电话：{value}",
        "booking": "- 预约：{value}",
        "notes": "- 备注：{value}",
        "unverified": "- 此条信息尚未与官方来源核对",
        "district": "{name}区",
        "list_separator": "、",
        "operator_data": "",
        "district_none": "暂时没有{district}线下服务点的资料。请拨打{hotline}或查看广州市税务局官网查询。",
        "district_head": "{district}的线下办税服务点：",
        "nearest_none": "服务点资料里还没有位置坐标，无法按位置查找。请告诉我您在哪个区。",
        "nearest_head": "离您最近的线下办税服务点：",
        "outside": (
            "{place}不在广州市，这里只能查询广州市的线下服务点；{place}的服务点请咨询当地税务局或拨打{hotline}。"
        ),
        "unrecognised": "没有识别到广州市的区名。",
        "ask": "{lead}目前可以查询广州市11个区的线下服务点：{names}。请问您在哪个区？",
    },
    "en": {
        "check_first": "Please call the hall or {hotline} to confirm before you go.",
        "distance": " (about {km:.1f} km)",
        "address": "- Address: {address}",
        "no_address": "not on file yet; please call {hotline}",
        "hours": "- Opening hours: {value}",
        "phone": "- Phone: {value}",
        "booking": "- Appointments: {value}",
        "notes": "- Notes: {value}",
        "unverified": "- Not yet checked against an official source",
        "district": "{english} ({name})",
        "list_separator": ", ",
        "operator_data": "(Names, addresses and hours are given in Chinese, as the tax office publishes them.)\n\n",
        "district_none": (
            "I have no details of offline service points in {district} yet. "
            "Please call {hotline} or see the Guangzhou Municipal Tax Service's website."
        ),
        "district_head": "Offline tax service points in {district}:",
        "nearest_none": "No service point has location details yet. Which district are you in?",
        "nearest_head": "The offline tax service points nearest to you:",
        "outside": (
            "{place} is not in Guangzhou; I can only look up Guangzhou's offline service points. "
            "For {place}, please ask the local tax bureau or call {hotline}. "
        ),
        "unrecognised": "I didn't recognise a Guangzhou district. ",
        "ask": "{lead}I can look up offline service points in Guangzhou's 11 districts: {names}. Which district are you in?",
    },
}


def hotline() -> str:
    """The hotline number from the operator data (data/contacts.yml), never hard-coded."""
    return load_contacts().hotline


def _say(lang: str, key: str, **values: object) -> str:
    return (TEXTS.get(lang) or TEXTS["zh"])[key].format(hotline=hotline(), **values)


def district_name(district: str, lang: str = "zh") -> str:
    """ "天河区", or "Tianhe (天河)" in English: the Chinese name stays, as signs show it."""
    return _say(lang, "district", name=district, english=DISTRICT_NAMES.get(district, district))


def check_first(lang: str = "zh") -> str:
    return _say(lang, "check_first")


def _check_first(points: Sequence[ServicePoint], lang: str) -> str:
    """The reminder every answer that gives an address ends with."""
    return f"\n\n{check_first(lang)}" if any(p.address for p in points) else ""


def describe_point(point: ServicePoint, distance_km: Optional[float] = None, lang: str = "zh") -> str:
    title = f"**{point.name}**"
    if distance_km is not None:
        title += _say(lang, "distance", km=distance_km)
    lines = [title, _say(lang, "address", address=point.address or _say(lang, "no_address"))]
    for field in ("hours", "phone", "booking", "notes"):
        value = getattr(point, field)
        if value:
            lines.append(_say(lang, field, value=value))
    if not point.verified:
        lines.append(_say(lang, "unverified"))
    return "\n".join(lines)


def describe_district(district: str, points: Sequence[ServicePoint], lang: str = "zh") -> str:
    name = district_name(district, lang)
    if not points:
        return _say(lang, "district_none", district=name)
    body = "\n\n".join(describe_point(p, lang=lang) for p in points)
    head = _say(lang, "district_head", district=name)
    return f"{head}\n\n{_say(lang, 'operator_data')}{body}" + _check_first(points, lang)


def describe_nearest(found: Sequence[Tuple[ServicePoint, float]], lang: str = "zh") -> str:
    if not found:
        return _say(lang, "nearest_none")
    body = "\n\n".join(describe_point(p, d, lang) for p, d in found)
    head = _say(lang, "nearest_head")
    return f"{head}\n\n{_say(lang, 'operator_data')}{body}" + _check_first([p for p, _ in found], lang)


def ask_district(unrecognised: bool, place: Optional[str] = None, lang: str = "zh") -> str:
    """Ask for the district; say why when the visitor named a place we do not cover."""
    if place:
        lead = _say(lang, "outside", place=place)
    elif unrecognised:
        lead = _say(lang, "unrecognised")
    else:
        lead = ""
    names = [DISTRICT_NAMES[d] for d in DISTRICTS] if lang == "en" else list(DISTRICTS)
    return _say(lang, "ask", lead=lead, names=_say(lang, "list_separator").join(names))
