"""The live status in the visitor's language: state, resume time, last update and its source.

One composer over a text table per language (zh, the default, and en for slot `language` = en),
so both languages always say the same facts. Times are shown in Asia/Shanghai: "12月3日 09:00",
or "今天下午3点" / "明天上午9点" when that close ("3 Dec 09:00", "today 3:00 pm" in English).
`status_line` is the one-line form that opens a welcome. The staff's note is operator data and
stays as entered (Chinese); the English text labels it so.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Callable, Dict, Optional
from zoneinfo import ZoneInfo

from bot.status.client import StatusReading

SHANGHAI = ZoneInfo("Asia/Shanghai")
OFFICIAL = "以广州市税务局正式公告为准。"


def _period(hour: int) -> str:
    if hour < 6:
        return "凌晨"
    if hour < 12:
        return "上午"
    if hour < 13:
        return "中午"
    if hour < 18:
        return "下午"
    return "晚上"


def _near_zh(local: datetime, days: int) -> str:
    day = "今天" if days == 0 else "明天"
    if local.hour < 6:  # "凌晨0点5分" reads oddly: the clock form is clearer at night
        return f"{day}凌晨{local:%H:%M}"
    hour12 = local.hour if local.hour <= 12 else local.hour - 12
    minutes = f"{local.minute:02d}分" if local.minute else ""
    return f"{day}{_period(local.hour)}{hour12}点{minutes}"


def _far_zh(local: datetime, today: date) -> str:
    year = f"{local.year}年" if local.year != today.year else ""
    return f"{year}{local.month}月{local.day}日 {local:%H:%M}"


def _near_en(local: datetime, days: int) -> str:
    day = "today" if days == 0 else "tomorrow"
    return f"{day} {local.hour % 12 or 12}:{local.minute:02d} {'am' if local.hour < 12 else 'pm'}"


def _far_en(local: datetime, today: date) -> str:
    year = f" {local.year}" if local.year != today.year else ""
    return f"{local.day} {local:%b}{year} {local:%H:%M}"


# Every word the composers below use, per language. `near`/`far` format a time today or
# tomorrow / further away; the other entries are templates filled with str.format.
TEXTS: Dict[str, Dict[str, object]] = {
    "zh": {
        "near": _near_zh,
        "far": _far_zh,
        "line_unknown": "当前状态：暂时查不到实时状态，恢复时间以广州市税务局正式公告为准。",
        "line_state": {
            "suspended": "当前状态：电子发票服务暂停中",
            "degraded": "当前状态：电子发票服务部分恢复，可能不稳定",
            "normal": "当前状态：电子发票服务已恢复正常",
        },
        "line_expected": "，预计{time}恢复",
        "line_not_announced": "，恢复时间尚未公布",
        "line_updated": "（更新于{time}）",
        "line_stale": "（最后已知状态，可能已过时）",
        "end": "。",
        "unknown": (
            "抱歉，暂时查不到实时状态。据相关应急指南，电子发票系统因维护升级暂停服务，"
            "**恢复时间尚未公布**。请关注广州市税务局的官方通知，" + OFFICIAL
        ),
        "stale": "（实时状态暂时无法获取，以下是{time}更新的最后已知状态，可能已过时）",
        "state": {
            "suspended": "目前广州电子发票服务**暂停中**",
            "degraded": "目前广州电子发票服务**部分恢复**，可能不稳定",
            "normal": "广州电子发票服务**已恢复正常**，可以重新在线开具、下载和查验发票",
        },
        "since": "（自{time}起）",
        "expected": "预计恢复时间：**{time}**。",
        "not_announced": "恢复时间**尚未公布**。",
        "note": "{note}",
        "updated": "状态更新于{time}。",
        "source": "来源：{url}",
        "official": OFFICIAL,
    },
    "en": {
        "near": _near_en,
        "far": _far_en,
        "line_unknown": (
            "Status: the live status can't be read right now; the official notices decide the restoration time."
        ),
        "line_state": {
            "suspended": "Status: the e-invoice service is suspended",
            "degraded": "Status: the e-invoice service is partly back and may be unstable",
            "normal": "Status: the e-invoice service is back to normal",
        },
        "line_expected": ", expected back {time}",
        "line_not_announced": ", no restoration time announced yet",
        "line_updated": " (updated {time})",
        "line_stale": " (last known status, may be out of date)",
        "end": ".",
        "unknown": (
            "Sorry, I can't read the live status right now. According to the emergency guide, the "
            "e-invoice system is suspended for maintenance and an upgrade, and **no restoration time "
            "has been announced**. Please follow the Guangzhou Municipal Tax Service's official news. "
            "The Guangzhou Municipal Tax Service's official notices prevail."
        ),
        "stale": (
            "(The live status can't be read right now; this is the last known status, updated {time}, "
            "and may be out of date.)"
        ),
        "state": {
            "suspended": "Guangzhou's e-invoice service is **suspended**",
            "degraded": "Guangzhou's e-invoice service is **partly back** and may be unstable",
            "normal": (
                "Guangzhou's e-invoice service is **back to normal**: you can issue, download and "
                "verify invoices online again"
            ),
        },
        "since": " (since {time})",
        "expected": "Expected back: **{time}**.",
        "not_announced": "**No restoration time has been announced yet.**",
        "note": "Note from the staff (in Chinese, as they wrote it): {note}",
        "updated": "Status updated {time}.",
        "source": "Source: {url}",
        "official": "The Guangzhou Municipal Tax Service's official notices prevail.",
    },
}


def _texts(lang: str) -> Dict[str, object]:
    return TEXTS.get(lang) or TEXTS["zh"]


def _say(lang: str, key: str, **values: str) -> str:
    template = _texts(lang)[key]
    assert isinstance(template, str), key
    return template.format(**values)


def format_time(moment: datetime, now: Optional[datetime] = None, lang: str = "zh") -> str:
    """A time for a reader in Guangzhou: "明天上午9点", "今天下午3点30分", "今天凌晨00:05";
    in English "today 3:30 pm", "3 Dec 09:00"."""
    local = moment.astimezone(SHANGHAI)
    today = (now or datetime.now(SHANGHAI)).astimezone(SHANGHAI).date()
    days = (local.date() - today).days
    texts = _texts(lang)
    if days in (0, 1):
        near: Callable[[datetime, int], str] = texts["near"]  # type: ignore[assignment]
        return near(local, days)
    far: Callable[[datetime, date], str] = texts["far"]  # type: ignore[assignment]
    return far(local, today)


def status_line(reading: StatusReading, now: Optional[datetime] = None, lang: str = "zh") -> str:
    """One line for the top of a welcome: the state, the resume time if announced, the update."""
    status = reading.value
    if status is None:
        return _say(lang, "line_unknown")
    line = _texts(lang)["line_state"][status.state]  # type: ignore[index]
    if status.state != "normal":
        line += (
            _say(lang, "line_expected", time=format_time(status.expected_resume_at, now, lang))
            if status.expected_resume_at
            else _say(lang, "line_not_announced")
        )
    line += _say(lang, "line_updated", time=format_time(status.updated_at, now, lang))
    if not reading.fresh:
        line += _say(lang, "line_stale")
    return line + _say(lang, "end")


def status_slots(reading: StatusReading, lang: str = "zh") -> Dict[str, str]:
    """The slots the status responses read (`outage_state`, `status_line`), for the actions and
    the response generator alike; with no reading at all only the line ("暂时查不到"), the state
    left as it was. A stale reading (the feed is down) still sets both: it is the last known
    status, and `status_line` says so."""
    line = status_line(reading, lang=lang)
    if reading.value is None:
        return {"status_line": line}
    return {"outage_state": reading.value.state, "status_line": line}


def describe(reading: StatusReading, now: Optional[datetime] = None, lang: str = "zh") -> str:
    """The answer to "什么时候恢复": never a date that the status does not hold."""
    status = reading.value
    if status is None:
        return _say(lang, "unknown")
    lines = []
    if not reading.fresh:
        lines.append(_say(lang, "stale", time=format_time(status.updated_at, now, lang)))
    head = _texts(lang)["state"][status.state]  # type: ignore[index]
    if status.state != "normal" and status.started_at:
        head += _say(lang, "since", time=format_time(status.started_at, now, lang))
    lines.append(head + _say(lang, "end"))
    if status.state != "normal":
        if status.expected_resume_at:
            lines.append(_say(lang, "expected", time=format_time(status.expected_resume_at, now, lang)))
        else:
            lines.append(_say(lang, "not_announced"))
    if status.message:
        lines.append(_say(lang, "note", note=status.message))
    lines.append(_say(lang, "updated", time=format_time(status.updated_at, now, lang)))
    if status.source_url:
        lines.append(_say(lang, "source", url=status.source_url))
    lines.append(_say(lang, "official"))
    return "\n".join(lines)
