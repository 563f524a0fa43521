"""The FAQ answers as written in the domain, with the operator's contacts filled in."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Dict

import yaml

from bot import settings
from bot.contacts import load_contacts
from bot.plain_text import strip_markdown

FAQ_RESPONSES_FILE = settings.FAQ_RESPONSES_FILE


@lru_cache(maxsize=1)
def _responses(path: Path = FAQ_RESPONSES_FILE) -> Dict[str, str]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))["responses"]
    answers = {}
    for name, variations in data.items():
        plain = [v for v in variations if not v.get("condition")] or variations
        answers[name] = plain[0].get("text", "")
    return answers


def answer_text(topic: str) -> str:
    """The answer to `topic` (e.g. "reason") as plain text, contacts filled in."""
    text = _responses().get(f"utter_faq/{topic}", "")
    for key, value in load_contacts().template_vars().items():
        text = text.replace("{" + key + "}", value)
    return strip_markdown(text)
