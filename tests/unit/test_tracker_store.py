"""Our SQL for Rasa's per-message queries returns what Rasa's own ORM queries return."""

import asyncio

import pytest
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, SessionStarted, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot.tracker_store import RetryingSQLTrackerStore

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
