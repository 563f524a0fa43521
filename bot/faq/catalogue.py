"""The FAQ topic catalogue: ids (the public contract), short titles, notice sections."""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Dict, Optional

import yaml

from bot import settings


@dataclass(frozen=True)
class Topic:
    id: str
    title: str
    sections: str

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
        topics[topic_id] = Topic(topic_id, fields["title"], str(fields.get("sections", "")))
    return topics


def topic_of_key(key: str) -> Optional[str]:
    """`faq/reason` -> `reason`; anything else -> None."""
    intent, _sep, topic = key.partition("/")
    return topic if intent == "faq" and topic else None
