"""The visitor's language for actions that compose text: the `language` slot (zh by default)."""

from typing import Text

from rasa_sdk import Tracker


def language(tracker: Tracker) -> Text:
    return "en" if tracker.get_slot("language") == "en" else "zh"
