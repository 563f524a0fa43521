"""The live status in English (slot `language` = en): the same facts as bot.status.phrasing."""

from __future__ import annotations

from datetime import datetime
from typing import Optional

from bot.status.client import StatusReading
from bot.status.phrasing import SHANGHAI

_STATE_LINES = {
    "suspended": "Guangzhou's e-invoice service is **suspended**",
    "degraded": "Guangzhou's e-invoice service is **partly back** and may be unstable",
    "normal": "Guangzhou's e-invoice service is **back to normal**: you can issue, download and verify invoices online again",
}
OFFICIAL = "The Guangzhou Municipal Tax Service's official notices prevail."


def format_time(moment: datetime, now: Optional[datetime] = None) -> str:
    """A Guangzhou time in English: "today 3:00 pm", "tomorrow 9:00 am", "3 Dec 09:00"."""
    local = moment.astimezone(SHANGHAI)
    today = (now or datetime.now(SHANGHAI)).astimezone(SHANGHAI).date()
    days = (local.date() - today).days
    if days in (0, 1):
        day = "today" if days == 0 else "tomorrow"
        hour12 = local.hour % 12 or 12
        return f"{day} {hour12}:{local.minute:02d} {'am' if local.hour < 12 else 'pm'}"
    year = f" {local.year}" if local.year != today.year else ""
    return f"{local.day} {local:%b}{year} {local:%H:%M}"


def status_line(reading: StatusReading, now: Optional[datetime] = None) -> str:
    """One line for the top of a welcome (bot.status.phrasing.status_line in English)."""
    status = reading.value
    if status is None:
        return "Status: the live status can't be read right now; the official notices decide the restoration time."
    line = {
        "normal": "Status: the e-invoice service is back to normal",
        "degraded": "Status: the e-invoice service is partly back and may be unstable",
    }.get(status.state, "Status: the e-invoice service is suspended")
    if status.state != "normal":
        line += (
            f", expected back {format_time(status.expected_resume_at, now)}"
            if status.expected_resume_at
            else ", no restoration time announced yet"
        )
    stale = " (last known status, may be out of date)" if not reading.fresh else ""
    return f"{line} (updated {format_time(status.updated_at, now)}){stale}."


def describe(reading: StatusReading, now: Optional[datetime] = None) -> str:
    """The answer to "when will it be back": never a date that the status does not hold."""
    status = reading.value
    if status is None:
        return (
            "Sorry, I can't read the live status right now. According to the emergency guide, the "
            "e-invoice system is suspended for maintenance and an upgrade, and **no restoration time "
            "has been announced**. Please follow the Guangzhou Municipal Tax Service's official news. " + OFFICIAL
        )
    lines = []
    if not reading.fresh:
        lines.append(
            f"(The live status can't be read right now; this is the last known status, updated "
            f"{format_time(status.updated_at, now)}, and may be out of date.)"
        )
    head = _STATE_LINES[status.state]
    if status.state != "normal" and status.started_at:
        head += f" (since {format_time(status.started_at, now)})"
    lines.append(head + ".")
    if status.state != "normal":
        if status.expected_resume_at:
            lines.append(f"Expected back: **{format_time(status.expected_resume_at, now)}**.")
        else:
            lines.append("**No restoration time has been announced yet.**")
    if status.message:
        lines.append(f"Note from the staff: {status.message}")
    lines.append(f"Status updated {format_time(status.updated_at, now)}.")
    if status.source_url:
        lines.append(f"Source: {status.source_url}")
    lines.append(OFFICIAL)
    return "\n".join(lines)
