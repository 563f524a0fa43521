"""Paths and settings from the environment, with defaults for `make run` on one machine."""
import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def path_setting(name: str, default: str) -> Path:
    """A path from the environment; relative paths are taken from the project root."""
    value = Path(os.environ.get(name) or default)
    return value if value.is_absolute() else PROJECT_ROOT / value


def float_setting(name: str, default: float) -> float:
    return float(os.environ.get(name) or default)


CONTACTS_FILE = path_setting("CONTACTS_FILE", "data/contacts.yml")
FAQ_TOPICS_FILE = path_setting("FAQ_TOPICS_FILE", "data/faq_topics.yml")
STAFFING_FILE = path_setting("STAFFING_FILE", "data/staffing.yml")
