"""The figures fed as the tracker store saves: the same as computing them over every event,
and a dashboard or scrape that does not grow with the history."""

import asyncio
import json
import time
from collections import Counter

import sqlalchemy as sa
from aiohttp.test_utils import TestClient, TestServer
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import Event
from rasa.shared.core.trackers import DialogueStateTracker

from bot.conversations.tracker_db import TrackerDb
from bot.insights import figures_store
from bot.insights.figures_store import FiguresReader
from bot.insights.stats import compute, unanswered
from bot.insights.tally import figures, fold
from bot.stores import build_stores
from bot.tracker_store import RetryingSQLTrackerStore
from bot.web.app import create_app
from tests.unit.test_insights import CONVERSATIONS, DAY1, HANDOFF, TOPICS, bot, feedback, user

DOMAIN = Domain.from_yaml('version: "3.1"\nslots:\n  handoff_active:\n    type: bool\n    mappings: [{type: custom}]\n')


def save_in_turns(store, sender, events):
    """Save a conversation the way Rasa does: the tracker grows, and each turn is saved."""
    tracker = asyncio.run(store.retrieve(sender)) or DialogueStateTracker.from_events(sender, [], DOMAIN.slots)
    for event in events:
        tracker.update(Event.from_parameters(event))
        asyncio.run(store.save(tracker))


def test_the_tally_fed_turn_by_turn_equals_the_figures_over_all_events(tmp_path):
    store = RetryingSQLTrackerStore(domain=DOMAIN, db=str(tmp_path / "tracker.db"))
    for sender, events in CONVERSATIONS.items():
        save_in_turns(store, sender, events)
    reader = FiguresReader(store.engine)
    assert figures(reader.totals()) == compute(CONVERSATIONS, TOPICS)
    assert [q["text"] for q in reader.unanswered()] == [q["text"] for q in unanswered(CONVERSATIONS, TOPICS)]
    # a later answer resolves the earlier miss of "d": the difference is applied, not recounted
    save_in_turns(store, "d", [user("为什么暂停", "faq", DAY1 + 99, "reason")])
    assert figures(reader.totals())["unresolved"] == 0


def test_conversations_recorded_before_the_tally_are_counted_once(tmp_path):
    db = tmp_path / "tracker.db"
    first = RetryingSQLTrackerStore(domain=DOMAIN, db=str(db))
    with first.engine.begin() as connection:  # as if saved by a version without the tally
        for table in ("figure_totals", "figure_conversations", "figure_misses"):
            connection.execute(sa.text(f"DROP TABLE {table}"))
        for sender, events in CONVERSATIONS.items():
            for event in events:
                connection.execute(
                    sa.text("INSERT INTO events (sender_id, type_name, data) VALUES (:s, :t, :d)"),
                    {"s": sender, "t": event["event"], "d": json.dumps(event)},
                )
    RetryingSQLTrackerStore(domain=DOMAIN, db=str(db))
    RetryingSQLTrackerStore(domain=DOMAIN, db=str(db))  # a second start (or replica): no recount
    assert figures(FiguresReader(first.engine).totals()) == compute(CONVERSATIONS, TOPICS)


def many_conversations(engine, count):
    """`count` conversations as the tracker store leaves them: Rasa's events and the tally
    (written in bulk), so a figure that read every event would show in the time."""
    figures_store.create_tables(engine)
    totals, states, questions, rows = Counter(), [], [], []
    for n in range(count):
        t = DAY1 + n * 60
        events = [user(f"问题{n}", "faq", t, "reason"), bot("答", t + 0.3), feedback("yes", t + 1)]
        if n % 10 == 0:
            events += [user("转人工", "request_human", t + 2), HANDOFF]
        elif n % 7 == 0:
            events += [user(f"天气{n}", "out_of_scope", t + 3)]
        step = fold(f"visitor-{n}", None, events, TOPICS)
        totals.update(step.deltas)
        states.append({"conversation_id": f"visitor-{n}", "state": json.dumps(step.state)})
        questions += [{k: q[k] for k in ("id", "conversation_id", "timestamp")} for q in step.unanswered]
        rows += [
            {
                "sender_id": f"visitor-{n}",
                "type_name": e["event"],
                "timestamp": e.get("timestamp"),
                "data": json.dumps(e),
            }
            for e in events
        ]
    SQLTrackerStore.Base.metadata.create_all(engine)  # Rasa's own `events` table
    with engine.begin() as connection:
        connection.execute(
            sa.text(
                "INSERT INTO events (sender_id, type_name, timestamp, data) VALUES (:sender_id, :type_name, :timestamp, :data)"
            ),
            rows,
        )
        connection.execute(figures_store.figure_totals.insert(), [{"key": k, "value": v} for k, v in totals.items()])
        connection.execute(figures_store.figure_conversations.insert(), states)
        connection.execute(figures_store.figure_misses.insert(), questions)


async def test_stats_and_metrics_stay_under_100_ms_with_10000_conversations(tmp_path):
    tracker = TrackerDb(f"sqlite:///{tmp_path / 'tracker.db'}")
    many_conversations(tracker.engine, 10_000)
    app = create_app(build_stores(f"sqlite:///{tmp_path / 'web.db'}"), staff_token="staff")
    app["tracker_db"] = tracker
    app["figures"] = FiguresReader(tracker.engine)
    async with TestClient(TestServer(app)) as client:
        headers = {"Authorization": "Bearer staff"}
        for path in ("/api/stats", "/metrics", "/api/unanswered"):
            await client.get(path, headers=headers)  # warm up
            started = time.perf_counter()
            response = await client.get(path, headers=headers)
            elapsed = time.perf_counter() - started
            assert response.status == 200, path
            assert elapsed < 0.1, f"{path}: {elapsed * 1000:.0f} ms"
        stats = await (await client.get("/api/stats", headers=headers)).json()
        assert stats["conversations"] == 10_000 and stats["handoffs"] == 1_000
        assert stats["unresolved"] == len([n for n in range(10_000) if n % 10 and n % 7 == 0])
        metrics = await (await client.get("/metrics", headers=headers)).text()
        assert "assistant_conversations_total 10000\n" in metrics
