"""The status in natural Chinese: state, resume time, last update and its source.

Times are shown in Asia/Shanghai, as "12月3日 09:00", or "今天下午3点" / "明天上午9点"
when the time is that close. `status_line` is the one-line form that opens a welcome.
"""

from __future__ import annotations

from datetime import datetime
from typing import Optional
from zoneinfo import ZoneInfo

from bot.status.client import StatusReading

SHANGHAI = ZoneInfo("Asia/Shanghai")
OFFICIAL = "以广州市税务局正式公告为准。"

_STATE_LINES = {
    "suspended": "目前广州电子发票服务**暂停中**",
    "degraded": "目前广州电子发票服务**部分恢复**，可能不稳定",
    "normal": "广州电子发票服务**已恢复正常**，可以重新在线开具、下载和查验发票",
}


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


def format_time(moment: datetime, now: Optional[datetime] = None) -> str:
    """A time for a reader in Guangzhou: "明天上午9点", "今天下午3点30分", "今天凌晨00:05"."""
    local = moment.astimezone(SHANGHAI)
    today = (now or datetime.now(SHANGHAI)).astimezone(SHANGHAI).date()
    days = (local.date() - today).days
    if days in (0, 1):
        day = "今天" if days == 0 else "明天"
        if local.hour < 6:  # "凌晨0点5分" reads oddly: the clock form is clearer at night
            return f"{day}凌晨{local:%H:%M}"
        hour12 = local.hour if local.hour <= 12 else local.hour - 12
        minutes = f"{local.minute:02d}分" if local.minute else ""
        return f"{day}{_period(local.hour)}{hour12}点{minutes}"
    year = f"{local.year}年" if local.year != today.year else ""
    return f"{year}{local.month}月{local.day}日 {local:%H:%M}"


def status_line(reading: StatusReading, now: Optional[datetime] = None) -> str:
    """One line for the top of a welcome: the state, the resume time if announced, the update."""
    status = reading.value
    if status is None:
        return "当前状态：暂时查不到实时状态，恢复时间以广州市税务局正式公告为准。"
    if status.state == "normal":
        line = "当前状态：电子发票服务已恢复正常"
    elif status.state == "degraded":
        line = "当前状态：电子发票服务部分恢复，可能不稳定"
    else:
        line = "当前状态：电子发票服务暂停中"
    if status.state != "normal":
        line += (
            f"，预计{format_time(status.expected_resume_at, now)}恢复"
            if status.expected_resume_at
            else "，恢复时间尚未公布"
        )
    stale = "（最后已知状态，可能已过时）" if not reading.fresh else ""
    return f"{line}（更新于{format_time(status.updated_at, now)}）{stale}。"


def describe(reading: StatusReading, now: Optional[datetime] = None) -> str:
    """The answer to "什么时候恢复": never a date that the status does not hold."""
    status = reading.value
    if status is None:
        return (
            "抱歉，暂时查不到实时状态。据相关应急指南，电子发票系统因维护升级暂停服务，"
            "**恢复时间尚未公布**。请关注广州市税务局的官方通知，" + OFFICIAL
        )
    lines = []
    if not reading.fresh:
        lines.append(
            f"（实时状态暂时无法获取，以下是{format_time(status.updated_at, now)}更新的最后已知状态，可能已过时）"
        )
    head = _STATE_LINES[status.state]
    if status.state != "normal" and status.started_at:
        head += f"（自{format_time(status.started_at, now)}起）"
    lines.append(head + "。")
    if status.state != "normal":
        if status.expected_resume_at:
            lines.append(f"预计恢复时间：**{format_time(status.expected_resume_at, now)}**。")
        else:
            lines.append("恢复时间**尚未公布**。")
    if status.message:
        lines.append(status.message)
    lines.append(f"状态更新于{format_time(status.updated_at, now)}。")
    if status.source_url:
        lines.append(f"来源：{status.source_url}")
    lines.append(OFFICIAL)
    return "\n".join(lines)
