"""The response generator renders status answers with the status read in the same turn, and
every other response exactly as Rasa's own TemplatedNaturalLanguageGenerator does."""

from datetime import datetime, timezone
from pathlib import Path
from typing import List, Optional

import pytest
from rasa.core.nlg import TemplatedNaturalLanguageGenerator
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import SlotSet
from rasa.shared.core.trackers import DialogueStateTracker

from bot import nlg
from bot.feed import Reading
from bot.status import phrasing
from bot.status.model import OutageStatus

ROOT = Path(__file__).resolve().parents[2]
DOMAIN = Domain.load(str(ROOT / "domain.yml"))


def status(state: str) -> OutageStatus:
    now = datetime(2026, 11, 29, 8, 0, tzinfo=timezone.utc)
    return OutageStatus(state, "", now, None, "", now, "staff")


class FakeFeed:
    """The status feed, counting its reads."""

    def __init__(self, reading: Reading) -> None:
        self.reading = reading
        self.reads = 0

    async def read(self, max_age: Optional[float] = None) -> Reading:
        self.reads += 1
        return self.reading


@pytest.fixture
def generator() -> nlg.LiveStatusNaturalLanguageGenerator:
    made = nlg.LiveStatusNaturalLanguageGenerator(None, Domain.empty())
    made.responses = DOMAIN.responses  # as Rasa's Agent.load_model sets them
    return made


def use_feed(monkeypatch: pytest.MonkeyPatch, reading: Reading) -> FakeFeed:
    feed = FakeFeed(reading)
    monkeypatch.setattr(nlg, "default_client", lambda: feed)
    return feed


def tracker(*slots: SlotSet) -> DialogueStateTracker:
    made = DialogueStateTracker.from_events("nlg-test", [], slots=DOMAIN.slots)
    for slot in slots:
        made.update(slot)
    return made


def texts(response: Optional[dict]) -> str:
    assert response is not None
    return response.get("text") or ""


def test_the_status_dependent_responses_are_found_from_the_domain(generator):
    assert "utter_greet" in generator.live  # {status_line} and outage_state conditions
    assert "utter_faq/urgent_invoice" in generator.live
    assert "utter_goodbye" not in generator.live
    assert "utter_iamabot" not in generator.live
    for name in generator.live:
        assert any(
            any(c["name"] in nlg.STATUS_SLOTS for c in v.get("condition") or []) or "{status_line}" in str(v)
            for v in DOMAIN.responses[name]
        )


async def test_the_answer_follows_the_live_status_not_the_tracker_slot(generator, monkeypatch):
    stale_slot = tracker(SlotSet("outage_state", "suspended"), SlotSet("language", "zh"))
    expected: List[dict] = []
    for state in ("normal", "suspended"):
        feed = use_feed(monkeypatch, Reading(status(state), True))
        answer = await generator.generate("utter_faq/urgent_invoice", stale_slot, "rest")
        slots = {**stale_slot.current_slot_values(), "outage_state": state}
        stock = TemplatedNaturalLanguageGenerator(DOMAIN.responses).generate_from_slots(
            "utter_faq/urgent_invoice", {**slots, "status_line": phrasing.status_line(feed.reading)}, "rest"
        )
        assert feed.reads == 1
        assert texts(answer) == texts(stock)
        expected.append(answer)
    assert texts(expected[0]) != texts(expected[1])  # the two states answer differently


async def test_the_greeting_shows_the_live_status_line_in_the_visitors_language(generator, monkeypatch):
    reading = Reading(status("normal"), True)
    use_feed(monkeypatch, reading)
    for lang in ("zh", "en"):
        answer = await generator.generate("utter_greet", tracker(SlotSet("language", lang)), "rest")
        assert texts(answer).startswith(phrasing.status_line(reading, lang=lang))


async def test_with_no_status_ever_read_the_state_slot_stays_and_the_line_says_unknown(generator, monkeypatch):
    use_feed(monkeypatch, Reading(None, False))
    known = tracker(SlotSet("outage_state", "normal"), SlotSet("language", "zh"))
    answer = await generator.generate("utter_greet", known, "rest")
    stock = TemplatedNaturalLanguageGenerator(DOMAIN.responses).generate_from_slots(
        "utter_greet",
        {**known.current_slot_values(), "status_line": phrasing.status_line(Reading(None, False))},
        "rest",
    )
    assert texts(answer) == texts(stock)


async def test_other_responses_are_rasas_own_and_read_no_status(generator, monkeypatch):
    feed = use_feed(monkeypatch, Reading(status("normal"), True))
    stock = TemplatedNaturalLanguageGenerator(DOMAIN.responses)
    plain = tracker(SlotSet("language", "en"))
    for name in sorted(set(DOMAIN.responses) - generator.live):
        kwargs = {"hotline": "12366"}
        ours = await generator.generate(name, plain, "rest", **kwargs)
        theirs = await stock.generate(name, plain, "rest", **kwargs)
        if len(DOMAIN.responses[name]) == 1 or ours is None:
            assert ours == theirs, name
    assert feed.reads == 0


def test_endpoints_yml_names_this_generator():
    import yaml

    endpoints = yaml.safe_load((ROOT / "endpoints.yml").read_text(encoding="utf-8"))
    assert endpoints["nlg"]["type"] == "bot.nlg.LiveStatusNaturalLanguageGenerator"
