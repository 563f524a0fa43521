"""Staffed hours and queue capacity from operator data (data/staffing.yml).

Why: a visitor who asks for a human must hear the truth: whether someone will answer now,
and if not, the hotline and whether a question left here can be answered later on their
channel. The file is read again whenever it changes, like the contacts.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, time
from pathlib import Path
from typing import Dict, List, Optional, Tuple
from zoneinfo import ZoneInfo

import yaml

from bot import settings

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DAY_NAMES = {"mon": "周一", "tue": "周二", "wed": "周三", "thu": "周四", "fri": "周五", "sat": "周六", "sun": "周日"}
# how the hours read in each language (the visitor's, slot `language`)
HOURS_WORDS = {
    "zh": {
        "days": DAY_NAMES,
        "span": "{first}至{last}",
        "ranges": "、",
        "groups": "；",
        "holidays": "（节假日除外）",
        "none": "暂未安排",
    },
    "en": {
        "days": {"mon": "Mon", "tue": "Tue", "wed": "Wed", "thu": "Thu", "fri": "Fri", "sat": "Sat", "sun": "Sun"},
        "span": "{first}–{last}",
        "ranges": ", ",
        "groups": "; ",
        "holidays": " (except public holidays)",
        "none": "not scheduled yet",
    },
}
RANGE = re.compile(r"^(\d{2}):(\d{2})-(\d{2}):(\d{2})$")
# channels where a staff reply can reach the visitor later: the widget shows it in the
# conversation (history on the next visit); WeChat delivers it within 48 h of the visitor's
# last message. REST has no way to push. What visitors are told: utter_handoff_message_left.
LATER_REPLY_CHANNELS = ("socketio", "wechat")


@dataclass(frozen=True)
class Staffing:
    timezone: str = "Asia/Shanghai"
    hours: Dict[str, Tuple[Tuple[time, time], ...]] = field(default_factory=dict)
    closed_dates: Tuple[str, ...] = ()
    max_queue: int = 30

    def is_staffed(self, now: datetime) -> bool:
        local = now.astimezone(ZoneInfo(self.timezone))
        if local.date().isoformat() in self.closed_dates:
            return False
        ranges = self.hours.get(DAYS[local.weekday()], ())
        return any(start <= local.time() < end for start, end in ranges)

    def decide(self, now: datetime, queue_length: int) -> str:
        """ "open" (queue it), "closed" (outside staffed hours) or "full" (queue at capacity)."""
        if not self.is_staffed(now):
            return "closed"
        return "full" if queue_length >= self.max_queue else "open"

    def describe(self, lang: str = "zh") -> str:
        """The hours as visitors read them: "周一至周五 09:00-12:00、13:30-18:00"
        ("Mon–Fri 09:00-12:00, 13:30-18:00" in English)."""
        words = HOURS_WORDS.get(lang) or HOURS_WORDS["zh"]
        names: Dict[str, str] = words["days"]  # type: ignore[assignment]
        groups: List[Tuple[List[str], Tuple[Tuple[time, time], ...]]] = []
        for day in DAYS:
            ranges = self.hours.get(day, ())
            if not ranges:
                continue
            if groups and groups[-1][1] == ranges and DAYS.index(groups[-1][0][-1]) == DAYS.index(day) - 1:
                groups[-1][0].append(day)
            else:
                groups.append(([day], ranges))
        if not groups:
            return str(words["none"])
        parts = []
        for days, ranges in groups:
            first, last = names[days[0]], names[days[-1]]
            name = first if len(days) == 1 else str(words["span"]).format(first=first, last=last)
            parts.append(name + " " + str(words["ranges"]).join(f"{s:%H:%M}-{_end(e)}" for s, e in ranges))
        hours = str(words["groups"]).join(parts)
        return hours + str(words["holidays"]) if self.closed_dates else hours


def _end(end: time) -> str:
    return "24:00" if end == time(23, 59, 59) else f"{end:%H:%M}"


def parse_staffing(raw: object, source: str = "staffing") -> Staffing:
    """Checked operator data; a bad entry is an error naming it."""
    if not isinstance(raw, dict):
        raise ValueError(f"{source}: expected a mapping")
    hours: Dict[str, Tuple[Tuple[time, time], ...]] = {}
    for day, ranges in (raw.get("hours") or {}).items():
        if day not in DAYS or not isinstance(ranges, list):
            raise ValueError(f"{source}: hours.{day}: a weekday (mon … sun) with a list of HH:MM-HH:MM")
        parsed = []
        for text in ranges:
            match = RANGE.match(str(text).replace(" ", ""))
            if not match:
                raise ValueError(f"{source}: hours.{day}: {text!r} is not HH:MM-HH:MM")
            h1, m1, h2, m2 = (int(g) for g in match.groups())
            start, end = time(h1, m1), time(23, 59, 59) if (h2, m2) == (24, 0) else time(h2, m2)
            if start >= end:
                raise ValueError(f"{source}: hours.{day}: {text!r} ends before it starts")
            parsed.append((start, end))
        hours[day] = tuple(parsed)
    max_queue = raw.get("max_queue", 30)
    if not isinstance(max_queue, int) or max_queue < 1:
        raise ValueError(f"{source}: max_queue: a whole number of at least 1")
    timezone = str(raw.get("timezone") or "Asia/Shanghai")
    ZoneInfo(timezone)
    closed = tuple(str(d) for d in raw.get("closed_dates") or ())
    return Staffing(timezone=timezone, hours=hours, closed_dates=closed, max_queue=max_queue)


_cache: Dict[Path, Tuple[float, Staffing]] = {}


def load_staffing(path: Optional[Path] = None) -> Staffing:
    path = Path(path or settings.STAFFING_FILE)
    mtime = path.stat().st_mtime
    cached = _cache.get(path)
    if cached and cached[0] == mtime:
        return cached[1]
    staffing = parse_staffing(yaml.safe_load(path.read_text(encoding="utf-8")) or {}, str(path))
    _cache[path] = (mtime, staffing)
    return staffing
