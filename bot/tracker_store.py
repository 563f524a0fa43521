"""Rasa's SQL tracker store, waiting out a short database outage instead of losing messages.

Why: Rasa wraps every tracker store in a fail-safe that, on a database error, keeps the
conversation in process memory only; during a PostgreSQL restart that silently drops
messages from the record, and a failed read starts the conversation afresh. Retrying reads
and writes for a few seconds (a restart or failover) keeps the record whole; if the database
stays down, the error still surfaces as before.

Each save also folds the new events into the running tally of the figures
(bot.insights.figures_store), in the same transaction, so the dashboard and /metrics never
read the whole history.

It also runs Rasa's two per-message queries (the events of the latest session, and how many
of them are stored) as plain SQL: the same rows in the same order, without building and
hashing an ORM query each time, which took about a fifth of the Rasa process's time under load.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import logging
from typing import Any, Awaitable, Callable, Iterator, Optional, Text, TypeVar

import sqlalchemy as sa
import sqlalchemy.exc
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.events import SessionStarted
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.constants import INTENT_NAME_KEY

from bot.faq.catalogue import load_catalogue
from bot.insights import figures_store

logger = logging.getLogger(__name__)
T = TypeVar("T")

ATTEMPTS = 20
PAUSE_SECONDS = 0.5

# SQLTrackerStore._event_query in SQL: a sender's events from the latest SessionStarted on
# (by timestamp), or all of them when no session has started.
_SESSION_START = "(SELECT max(timestamp) FROM events WHERE sender_id = :sender_id AND type_name = :session_started)"
_IN_LATEST_SESSION = f"sender_id = :sender_id AND (timestamp >= {_SESSION_START} OR {_SESSION_START} IS NULL)"
LATEST_SESSION_EVENTS = sa.text(f"SELECT data FROM events WHERE {_IN_LATEST_SESSION} ORDER BY id")
LATEST_SESSION_COUNT = sa.text(f"SELECT count(*) FROM events WHERE {_IN_LATEST_SESSION}")
ALL_EVENTS = sa.text("SELECT data FROM events WHERE sender_id = :sender_id ORDER BY id")


async def with_retries(operation: Callable[[], Awaitable[T]], what: str) -> T:
    for attempt in range(1, ATTEMPTS + 1):
        try:
            return await operation()
        except (sqlalchemy.exc.OperationalError, sqlalchemy.exc.InterfaceError) as error:
            if attempt == ATTEMPTS:
                raise
            logger.warning(
                "tracker store %s failed (attempt %d), retrying: %s", what, attempt, str(error).splitlines()[0]
            )
            await asyncio.sleep(PAUSE_SECONDS)
    raise AssertionError("unreachable")


class RetryingSQLTrackerStore(SQLTrackerStore):
    """SQLTrackerStore whose reads and writes wait out a database restart (about 10 s), and
    which keeps the figures' tally beside the events."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.known_topics = list(load_catalogue())
        figures_store.create_tables(self.engine)
        figures_store.backfill(self.engine, self.known_topics)

    async def save(self, tracker: DialogueStateTracker) -> None:
        await with_retries(lambda: self._save(tracker), f"save of {tracker.sender_id}")

    async def _save(self, tracker: DialogueStateTracker) -> None:
        """SQLTrackerStore.save, with the new events tallied in the same transaction."""
        await self.stream_events(tracker)
        with self.session_scope() as session:
            events = [event.as_dict() for event in self._additional_events(session, tracker)]
            for data in events:
                session.add(
                    self.SQLEvent(
                        sender_id=tracker.sender_id,
                        type_name=data["event"],
                        timestamp=data.get("timestamp"),
                        intent_name=data.get("parse_data", {}).get("intent", {}).get(INTENT_NAME_KEY),
                        action_name=data.get("name"),
                        data=json.dumps(data),
                    )
                )
            figures_store.record(session.connection(), tracker.sender_id, events, self.known_topics)
            session.commit()

    async def _retrieve(self, sender_id: Text, fetch_events_from_all_sessions: bool) -> Optional[DialogueStateTracker]:
        return await with_retries(
            lambda: self._read_tracker(sender_id, fetch_events_from_all_sessions), f"read of {sender_id}"
        )

    async def _read_tracker(self, sender_id: Text, all_sessions: bool) -> Optional[DialogueStateTracker]:
        """SQLTrackerStore._retrieve with the query in SQL."""
        with self.session_scope() as session:
            if all_sessions:
                rows = session.execute(ALL_EVENTS, {"sender_id": sender_id})
            else:
                rows = session.execute(LATEST_SESSION_EVENTS, _session_params(sender_id))
            events = [json.loads(data) for data in rows.scalars()]
        if self.domain and events:
            return DialogueStateTracker.from_dict(sender_id, events, self.domain.slots)
        return None

    def _additional_events(self, session: Any, tracker: DialogueStateTracker) -> Iterator:
        """The tracker's events not stored yet (SQLTrackerStore._additional_events in SQL)."""
        stored = session.execute(LATEST_SESSION_COUNT, _session_params(tracker.sender_id)).scalar()
        return itertools.islice(tracker.events, stored, len(tracker.events))


def _session_params(sender_id: Text) -> dict:
    return {"sender_id": sender_id, "session_started": SessionStarted.type_name}
