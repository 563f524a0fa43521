"""Rasa's bot messages as WeChat text: no Markdown, no buttons, one passive reply of 2048 bytes.

WeChat shows plain text only: bold and links lose their Markdown (links stay as plain URLs) and
buttons become numbered options ("回复 1：现在恢复了吗"). One rule numbers them, whichever way
the text leaves (passive reply, late customer-service message, staff reply, notice): numbering
runs on across every bot message since the user last wrote, and the user's "1" maps back to
the option the channel itself showed (`OptionMemory`), without reading Rasa's tracker store.
An answer's own numbered list is shown with circled numbers (①②③), so "1" only ever means
the option "回复 1". The option lines are in the visitor's language ("Reply 1: …" in English,
bot/channel_texts.py): the channel's `LanguageMemory` knows it from what the visitor wrote.
"""

from __future__ import annotations

import re
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Sequence, Tuple

from bot.channel_texts import say
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


def buttons_of(message: Dict[str, Any]) -> List[Dict[str, str]]:
    return list(message.get("buttons") or message.get("quick_replies") or [])


def _marker(message: Dict[str, Any], name: str) -> bool:
    custom = message.get("custom")
    return isinstance(custom, dict) and isinstance(custom.get("data"), dict) and bool(custom["data"].get(name))


def is_handoff(message: Dict[str, Any]) -> bool:
    """The marker action_handoff attaches (custom JSON wrapped in "data")."""
    return _marker(message, "handoff")


def is_release(message: Dict[str, Any]) -> bool:
    """The marker action_release_handoff attaches: staff gave the conversation back."""
    return _marker(message, "handoff_released")


@dataclass
class Rendered:
    parts: List[str] = field(default_factory=list)
    options: List[Dict[str, str]] = field(default_factory=list)  # in the numbers' order
    first_number: int = 1
    texts: List[str] = field(default_factory=list)  # the parts without their option lines
    handoff: bool = False
    released: bool = False


def render(messages: Sequence[Dict[str, Any]], first_number: int = 1, lang: str = "zh") -> Rendered:
    """One text part per bot message; buttons numbered on from `first_number`, in `lang`."""
    rendered = Rendered(first_number=first_number)
    for message in messages:
        rendered.handoff = rendered.handoff or is_handoff(message)
        rendered.released = rendered.released or is_release(message)
        lines = [plain(message["text"])] if message.get("text") else []
        if lines:
            rendered.texts.append(lines[0])
        for button in buttons_of(message):
            number = first_number + len(rendered.options)
            rendered.options.append(button)
            lines.append(say(lang, "option", number=number, title=button.get("title", "")))
        if lines:
            rendered.parts.append("\n".join(lines))
    return rendered


def option_payload(text: str, options: Sequence[Dict[str, str]]) -> Optional[str]:
    """ "2" -> the payload of option 2, when it was offered."""
    match = OPTION_REPLY.match(text or "")
    if not match:
        return None
    index = int(match.group(1)) - 1
    return options[index].get("payload") if 0 <= index < len(options) else None


class OptionMemory:
    """The options each user was shown since they last wrote, as this channel rendered them.

    Bounded (oldest users forgotten first) and forgotten after `ttl` seconds; a user whose
    options are forgotten has their "1" understood as the text "1".
    """

    def __init__(self, max_users: int = 50_000, ttl: float = 48 * 3600) -> None:
        self.max_users = max_users
        self.ttl = ttl
        self._shown: "OrderedDict[str, Tuple[float, List[Dict[str, str]]]]" = OrderedDict()

    def _options(self, user: str) -> List[Dict[str, str]]:
        shown_at, options = self._shown.get(user, (0.0, []))
        return options if time.monotonic() - shown_at < self.ttl else []

    def render(self, user: str, messages: Sequence[Dict[str, Any]], lang: str = "zh") -> Rendered:
        """Render for `user` in `lang`, numbering on from what they were already shown, and remember it."""
        shown = self._options(user)
        rendered = render(messages, len(shown) + 1, lang)
        if rendered.options:
            self._shown.pop(user, None)
            self._shown[user] = (time.monotonic(), shown + rendered.options)
            while len(self._shown) > self.max_users:
                self._shown.popitem(last=False)
        return rendered

    def take_reply(self, user: str, text: str) -> str:
        """The user wrote: their text, or the payload of the option it numbers; the options
        shown before are done with either way."""
        payload = option_payload(text, self._options(user))
        self._shown.pop(user, None)
        return payload or text


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
