"""Rasa's bot messages as WeChat text: no Markdown, no buttons, one passive reply of 2048 bytes.

WeChat shows plain text only: bold and links lose their Markdown (links stay as plain URLs),
buttons become numbered options ("回复 1：现在恢复了吗"), and the user's "1" is mapped back to
that button's payload from the conversation's last bot turn. An answer's own numbered list is
shown with circled numbers (①②③), so "1" only ever means the option "回复 1".
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Sequence

from bot.plain_text import strip_markdown

PASSIVE_REPLY_BYTES = 2048
OPTION_REPLY = re.compile(r"^\s*(\d{1,2})\s*$")
LIST_NUMBER = re.compile(r"^(\s*)(\d{1,2})[.、]\s*", re.MULTILINE)


def _circled(match: "re.Match[str]") -> str:
    number = int(match.group(2))
    return match.group(1) + (chr(0x2460 + number - 1) if 1 <= number <= 20 else f"{number}）")


def plain(text: str) -> str:
    """Bot text as WeChat shows it: no Markdown, list numbers that cannot be taken for options."""
    return LIST_NUMBER.sub(_circled, strip_markdown(text)).strip()


def _buttons(message: Dict[str, Any]) -> List[Dict[str, str]]:
    return list(message.get("buttons") or message.get("quick_replies") or [])


@dataclass
class Rendered:
    parts: List[str] = field(default_factory=list)
    handoff: bool = False


def render(messages: Sequence[Dict[str, Any]]) -> Rendered:
    """One text part per bot message; the turn's buttons numbered across the turn."""
    rendered = Rendered()
    number = 0
    for message in messages:
        custom = message.get("custom")
        if isinstance(custom, dict) and (custom.get("data") or {}).get("handoff"):
            rendered.handoff = True
        lines = [plain(message["text"])] if message.get("text") else []
        for button in _buttons(message):
            number += 1
            lines.append(f"回复 {number}：{button.get('title', '')}")
        if lines:
            rendered.parts.append("\n".join(lines))
    return rendered


def options_from_events(events: Sequence[Dict[str, Any]]) -> List[Dict[str, str]]:
    """The buttons of the bot's last turn (after the last user message), in reply order."""
    options: List[Dict[str, str]] = []
    for event in reversed(events):
        if event.get("event") == "user":
            break
        if event.get("event") == "bot":
            data = event.get("data") or {}
            options = list(data.get("buttons") or data.get("quick_replies") or []) + options
    return options


def option_payload(text: str, options: Sequence[Dict[str, str]]) -> Optional[str]:
    """"2" -> the payload of option 2, when the last turn offered it."""
    match = OPTION_REPLY.match(text or "")
    if not match:
        return None
    index = int(match.group(1)) - 1
    return options[index].get("payload") if 0 <= index < len(options) else None


def _utf8_len(text: str) -> int:
    return len(text.encode("utf-8"))


def _split_long(part: str, limit: int) -> List[str]:
    """A part over the limit, cut at line ends (or characters) into pieces within it."""
    pieces, current = [], ""
    for line in part.split("\n"):
        candidate = f"{current}\n{line}" if current else line
        if _utf8_len(candidate) <= limit:
            current = candidate
            continue
        if current:
            pieces.append(current)
        while _utf8_len(line) > limit:
            cut = len(line.encode("utf-8")[:limit].decode("utf-8", "ignore"))
            pieces.append(line[:cut])
            line = line[cut:]
        current = line
    if current:
        pieces.append(current)
    return pieces


def pack(parts: Sequence[str], limit: int = PASSIVE_REPLY_BYTES) -> List[str]:
    """Join parts into as few messages as fit `limit` bytes each: the first is the passive
    reply, the others go through the customer-service API."""
    messages: List[str] = []
    current = ""
    for part in parts:
        for piece in _split_long(part, limit):
            candidate = f"{current}\n\n{piece}" if current else piece
            if _utf8_len(candidate) <= limit:
                current = candidate
            else:
                messages.append(current)
                current = piece
    if current:
        messages.append(current)
    return messages
