"""Every user text of the test stories parses to the intent the story gives it.

Why: `rasa test core` takes the stories' intents as given; without this check a story
could pass while the model reads its text as something else.
"""

import asyncio
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]


def story_turns():
    """(story, text, intent) of every typed user turn; not while a hand-off is open, where
    HandoffPolicy answers whatever the intent."""
    for path in sorted((ROOT / "tests" / "stories").glob("*.yml")):
        for story in yaml.safe_load(path.read_text(encoding="utf-8"))["stories"]:
            queued = False
            for step in story["steps"]:
                for slot in step.get("slot_was_set") or []:
                    if "handoff_active" in slot:
                        queued = bool(slot["handoff_active"])
                text = (step.get("user") or "").strip()
                if text and not text.startswith("/") and not queued:
                    yield story["story"], text, step["intent"]


@pytest.fixture(scope="module")
def agent(trained_agent):
    return trained_agent


def test_story_texts_parse_to_their_intents(agent):
    wrong = []
    for story, text, intent in story_turns():
        parsed = asyncio.run(agent.parse_message(text))["intent"]["name"]
        if parsed != intent:
            wrong.append((story, text, intent, parsed))
    assert wrong == []
