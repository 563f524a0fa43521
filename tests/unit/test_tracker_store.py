"""Our SQL for Rasa's per-message queries returns what Rasa's own ORM queries return."""

import asyncio

import pytest
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, EntitiesAdded, SessionStarted, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot.tracker_store import RetryingSQLTrackerStore, parsed_event

DOMAIN = Domain.from_yaml("""
version: "3.1"
slots:
  district:
    type: text
    mappings: [{type: from_entity, entity: district}]
entities: [district]
""")


def session(start: float, texts):
    """One conversation session: session start, then a user turn and a bot answer per text."""
    events = [
        ActionExecuted("action_session_start", timestamp=start),
        SessionStarted(timestamp=start + 0.001),
        ActionExecuted("action_listen", timestamp=start + 0.002),
    ]
    for i, text in enumerate(texts):
        at = start + 1 + i
        events += [
            UserUttered(text, timestamp=at),
            SlotSet("district", text, timestamp=at + 0.1),
            BotUttered(f"re {text}", timestamp=at + 0.2),
            ActionExecuted("action_listen", timestamp=at + 0.3),
        ]
    return events


def dicts(tracker):
    return None if tracker is None else [e.as_dict() for e in tracker.events]


@pytest.fixture
def store(tmp_path):
    return RetryingSQLTrackerStore(domain=DOMAIN, db=str(tmp_path / "tracker.db"))


def rasa_retrieve(store, sender, all_sessions):
    return asyncio.run(SQLTrackerStore._retrieve(store, sender, all_sessions))


def test_reads_match_rasa_across_sessions_and_senders(store):
    first = session(1000.0, ["天河", "番禺"])
    second = session(5000.0, ["越秀"])
    asyncio.run(store.save(DialogueStateTracker.from_events("a", first, DOMAIN.slots)))
    tracker = asyncio.run(store.retrieve("a"))
    for event in second:
        tracker.update(event)
    asyncio.run(store.save(tracker))
    asyncio.run(
        store.save(DialogueStateTracker.from_events("b", [UserUttered("no session", timestamp=10.0)], DOMAIN.slots))
    )

    for sender in ("a", "b", "nobody"):
        for all_sessions in (False, True):
            ours = asyncio.run(store._retrieve(sender, all_sessions))
            assert dicts(ours) == dicts(rasa_retrieve(store, sender, all_sessions)), (sender, all_sessions)
    latest = asyncio.run(store.retrieve("a"))  # from the latest SessionStarted on
    assert [e.as_dict() for e in latest.events] == [e.as_dict() for e in second[1:]]
    assert latest.get_slot("district") == "越秀"
    assert len(asyncio.run(store.retrieve_full_tracker("a")).events) == len(first) + len(second)


def test_each_stored_event_is_parsed_once_and_reads_stay_rasas(store):
    """The parsed-event cache: a conversation read again parses only what is new, and what Rasa
    changes in place while replaying (EntitiesAdded appends to its user message's entities, a
    list it shares with the parsed dict) leaves every later read equal to Rasa's own."""
    events = session(1000.0, ["天河"])
    events.insert(4, EntitiesAdded([{"entity": "district", "value": "天河"}], timestamp=1001.05))
    asyncio.run(store.save(DialogueStateTracker.from_events("e", events, DOMAIN.slots)))
    parsed_event.cache_clear()
    first = asyncio.run(store.retrieve("e"))
    misses = parsed_event.cache_info().misses
    assert misses == len(first.events) == len(events) - 1  # the session from its SessionStarted on
    for _ in range(3):
        again = asyncio.run(store.retrieve("e"))
        assert dicts(again) == dicts(first) == dicts(rasa_retrieve(store, "e", False))
        assert again.latest_message.entities == [{"entity": "district", "value": "天河"}]
    assert parsed_event.cache_info().misses == misses  # nothing parsed twice


def test_only_events_not_yet_stored_are_written(store):
    """As Rasa uses the store: retrieve, add this turn's events (here also a new session), save."""
    asyncio.run(store.save(DialogueStateTracker.from_events("a", session(1000.0, ["天河"]), DOMAIN.slots)))
    tracker = asyncio.run(store.retrieve("a"))
    added = [UserUttered("再问一次", timestamp=1100.0), BotUttered("好", timestamp=1100.1)] + session(5000.0, ["番禺"])
    for event in added:
        tracker.update(event)
    with store.session_scope() as db:
        ours = [e.as_dict() for e in store._additional_events(db, tracker)]
        theirs = [e.as_dict() for e in SQLTrackerStore._additional_events(store, db, tracker)]
    assert ours == theirs == [e.as_dict() for e in added]

    asyncio.run(store.save(tracker))
    everything = dicts(asyncio.run(store.retrieve_full_tracker("a")))
    assert everything == [e.as_dict() for e in session(1000.0, ["天河"]) + added]


def long_session(turns: int):
    """A session of `turns` turns; "hours" is set once at the start and never again."""
    events = session(1000.0, [f"第{i}句" for i in range(turns)])
    events.insert(3, SlotSet("hours", "9:00-17:00", timestamp=1000.003))
    return events


LONG_DOMAIN = Domain.from_yaml("""
version: "3.1"
slots:
  district: {type: text, mappings: [{type: from_entity, entity: district}]}
  hours: {type: text, mappings: [{type: custom}]}
entities: [district]
""")


@pytest.fixture
def long_store(tmp_path):
    return RetryingSQLTrackerStore(domain=LONG_DOMAIN, db=str(tmp_path / "tracker.db"))


def test_a_long_session_loads_as_its_recent_turns_with_the_state_before_them(long_store):
    from bot.tracker_store import RECENT_TURNS

    events = long_session(300)
    asyncio.run(long_store.save(DialogueStateTracker.from_events("a", events, LONG_DOMAIN.slots)))
    full = DialogueStateTracker.from_events("a", events[1:], LONG_DOMAIN.slots)
    bounded = asyncio.run(long_store.retrieve("a"))

    assert len(bounded.events) < 8 * RECENT_TURNS  # not 1200
    assert bounded.current_slot_values() == full.current_slot_values()
    assert bounded.get_slot("hours") == "9:00-17:00"  # set 300 turns ago
    recent = [e.as_dict() for e in bounded.events][-4 * RECENT_TURNS :]
    assert recent == [e.as_dict() for e in full.events][-4 * RECENT_TURNS :]
    assert bounded.latest_message.text == "第299句"
    # the action server gets the bounded tracker (Rasa's own payload builder)
    from rasa.core.actions.action import RemoteAction

    payload = RemoteAction("action_x", None)._action_call_format(bounded, LONG_DOMAIN)
    assert len(payload["tracker"]["events"]) == len(bounded.events)
    assert payload["tracker"]["slots"]["hours"] == "9:00-17:00"

    # a turn added to it and saved (twice, as Rasa may): stored once, after everything else
    added = [
        UserUttered("再问一次", timestamp=9000.0),
        SlotSet("district", "越秀", timestamp=9000.1),
        BotUttered("好", timestamp=9000.2),
    ]
    for event in added[:2]:
        bounded.update(event)
    asyncio.run(long_store.save(bounded))
    bounded.update(added[2])
    asyncio.run(long_store.save(bounded))
    everything = dicts(asyncio.run(long_store.retrieve_full_tracker("a")))
    assert everything == [e.as_dict() for e in events + added]
    again = asyncio.run(long_store.retrieve("a"))
    assert again.get_slot("district") == "越秀" and again.get_slot("hours") == "9:00-17:00"


def test_a_restart_in_a_long_session_clears_the_state_before_it(long_store):
    from rasa.shared.core.events import Restarted

    events = long_session(30)
    events.insert(6, Restarted(timestamp=1000.5))  # after "hours" and the first turn
    asyncio.run(long_store.save(DialogueStateTracker.from_events("a", events, LONG_DOMAIN.slots)))
    bounded = asyncio.run(long_store.retrieve("a"))
    full = DialogueStateTracker.from_events("a", events[1:], LONG_DOMAIN.slots)
    assert bounded.get_slot("hours") is None
    assert bounded.current_slot_values() == full.current_slot_values()
