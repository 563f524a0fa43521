"""The FAQ topic catalogue: ids (the public contract), short titles, notice sections."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Dict, Optional, Tuple

import yaml

from bot import settings


@dataclass(frozen=True)
class Topic:
    id: str
    title: str
    sections: str
    title_en: str = ""

    @property
    def key(self) -> str:
        """The response selector key, e.g. `faq/reason`."""
        return f"faq/{self.id}"

    @property
    def response(self) -> str:
        """The domain response holding the answer, e.g. `utter_faq/reason`."""
        return f"utter_faq/{self.id}"

    @property
    def payload(self) -> str:
        """A button payload that opens this topic without NLU."""
        return '/faq{"faq_topic":"%s"}' % self.id


@lru_cache(maxsize=4)
def load_catalogue(path: Optional[Path] = None) -> Dict[str, Topic]:
    """Topics by id, in catalogue order."""
    path = Path(path or settings.FAQ_TOPICS_FILE)
    raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    topics = {}
    for topic_id, fields in raw.items():
        if not isinstance(fields, dict) or not fields.get("title"):
            raise ValueError(f"{path}: topic {topic_id!r} needs a title")
        topics[topic_id] = Topic(topic_id, fields["title"], str(fields.get("sections", "")), fields.get("title_en", ""))
    return topics


def topic_of_key(key: str) -> Optional[str]:
    """`faq/reason` -> `reason`; anything else -> None."""
    intent, _sep, topic = key.partition("/")
    return topic if intent == "faq" and topic else None


# Intents a "您是想问" button can offer next to FAQ topics: (title, English title, payload).
INTENT_CHOICES: Dict[str, Tuple[str, str, str]] = {
    "ask_outage_status": ("现在恢复了吗", "Is it back yet?", "/ask_outage_status"),
    "find_service_point": ("查找线下服务点", "Find an offline service point", "/find_service_point"),
    "subscribe_restoration": ("恢复了通知我", "Notify me when it is back", "/subscribe_restoration"),
    "request_human": ("转人工", "Talk to a person", "/request_human"),
    "complaint": ("我要投诉", "Make a complaint", "/complaint"),
    "rumour_check": ("网上的说法准吗", "Is what I heard true?", "/rumour_check"),
}


def choice(label: str, language: str = "zh") -> Optional[Tuple[str, str]]:
    """(button title, payload) for a contract label: "faq/<id>" or an intent; None if unknown."""
    topic = topic_of_key(label)
    if topic:
        found = load_catalogue().get(topic)
        if not found:
            return None
        return (found.title_en if language == "en" and found.title_en else found.title), found.payload
    if label in INTENT_CHOICES:
        title, title_en, payload = INTENT_CHOICES[label]
        return (title_en if language == "en" else title), payload
    return None
