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
hashing an ORM query each time, which took about a fifth of the Rasa process's time under load;
and it runs its queries in a worker thread: Rasa's SQL store blocks the event loop while the
database answers, which under load stalled every other conversation of the replica.

And it keeps the cost of a message flat however long the conversation: Rasa replays every
event of the session on each message (loading, featurizing for the policies, and shipping
them all to the action server). A long session is loaded as its last RECENT_TURNS turns
behind a snapshot of the state before them (each slot's latest value, the active loop,
paused or not), so the tracker, the policies' input and the action server's payload stay
bounded. Saving writes exactly the events added since the load. The full record is
untouched (retrieve_full_tracker, the API's transcript, reads every event).
"""

from __future__ import annotations

import asyncio
import itertools
import json
import logging
import sys
import time
from functools import lru_cache
from typing import Any, Awaitable, Callable, Dict, Iterator, Optional, Sequence, Text, TypeVar

import sqlalchemy as sa
import sqlalchemy.exc
from rasa.core.tracker_store import SQLTrackerStore, create_engine_kwargs
from rasa.shared.core.events import SessionStarted
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.constants import INTENT_NAME_KEY

from bot import rasa_patches
from bot.faq.catalogue import load_catalogue
from bot.insights import figures_store

rasa_patches.apply()  # every Rasa server of the project loads this module (endpoints.yml)
# The store's queries (and the lock store's Redis calls) run in worker threads; each hands its
# result back, and psycopg2 takes the GIL back after every round trip, while the event loop
# thread runs other conversations' NLU and policies. A thread asking for the GIL waits for the
# switch interval before the busy thread must let go: 5 ms by default, several times a message.
# At 1 ms a store call under a busy loop took a third less time (README, "Running at scale").
sys.setswitchinterval(0.001)

logger = logging.getLogger(__name__)
T = TypeVar("T")

ATTEMPTS = 20
PAUSE_SECONDS = 0.5
# turns (from an action_listen on) loaded as they are: the policies look back 4 states
# (config.yml), two misses in a row hand over (actions/misses.py)
RECENT_TURNS = 5
RECENT_WINDOW = 80  # events: a session this short is loaded whole
NEW_TRACKER_SECONDS = 10.0  # a tracker created after a read that found nothing, saved within this

# SQLTrackerStore._event_query in SQL: a sender's events from the latest SessionStarted on
# (by timestamp), or all of them when no session has started.
_SESSION_START = "(SELECT max(timestamp) FROM events WHERE sender_id = :sender_id AND type_name = :session_started)"
_IN_LATEST_SESSION = f"sender_id = :sender_id AND (timestamp >= {_SESSION_START} OR {_SESSION_START} IS NULL)"
LATEST_SESSION_EVENTS = sa.text(f"SELECT id, data FROM events WHERE {_IN_LATEST_SESSION} ORDER BY id")
LATEST_SESSION_COUNT = sa.text(f"SELECT count(*) FROM events WHERE {_IN_LATEST_SESSION}")
ALL_EVENTS = sa.text("SELECT id, data FROM events WHERE sender_id = :sender_id ORDER BY id")
# The latest session as its recent turns (from the (RECENT_TURNS + 1)-th last action_listen on)
# behind the state before them: the latest event of each kind (each slot by name, which Rasa
# stores in action_name) since the last restart or slot reset. A session with fewer turns
# comes whole (start is NULL). One round trip.
# The latest session from its newest event back, at most RECENT_WINDOW of them: a short session
# comes whole in this one query. A longer one keeps its last RECENT_TURNS turns (from the
# (RECENT_TURNS + 1)-th last action_listen on) behind the state before them: the latest event
# of each kind (each slot by name, which Rasa stores in action_name) since the last restart
# or slot reset of the session.
LATEST_SESSION_TAIL = sa.text(
    f"SELECT id, type_name, action_name, data FROM events WHERE {_IN_LATEST_SESSION}"
    " ORDER BY sender_id DESC, id DESC LIMIT :window"  # (sender_id, id): this index, not the whole table
)
STATE_BEFORE = sa.text(
    f"""
    SELECT id, data FROM events WHERE id IN (
        SELECT max(id) FROM events
        WHERE {_IN_LATEST_SESSION} AND id < :start
          AND type_name IN ('session_started', 'slot', 'active_loop', 'pause', 'resume')
          AND id > (SELECT coalesce(max(id), 0) FROM events WHERE sender_id = :sender_id
                    AND type_name IN ('restart', 'reset_slots') AND id < :start)
        GROUP BY CASE WHEN type_name IN ('pause', 'resume') THEN 'pause' ELSE type_name END,
                 CASE WHEN type_name = 'slot' THEN action_name END)
    ORDER BY id
    """
)
# On PostgreSQL the per-message lookups are prepared once per connection, each with one generic
# plan: planning them took 4 to 8 times as long as running them (0.8 ms of the tail's 1 ms, on
# every message). Their parameters: $1 the sender, $2 session_started, $3 the window or start.
PREPARED = {
    "tracker_tail": ("text, text, integer", LATEST_SESSION_TAIL),
    "tracker_state_before": ("text, text, integer", STATE_BEFORE),
    "tracker_figure_state": ("text", figures_store._GET_STATE),
}
_POSITIONS = {":sender_id": "$1", ":session_started": "$2", ":window": "$3", ":start": "$3", ":conversation_id": "$1"}
EXECUTE_TAIL = sa.text("EXECUTE tracker_tail(:sender_id, :session_started, :window)")
EXECUTE_STATE_BEFORE = sa.text("EXECUTE tracker_state_before(:sender_id, :session_started, :start)")


def _prepare_lookups(dbapi_connection: Any, _record: Any) -> None:
    """PREPARE the per-message lookups on a new PostgreSQL connection (a restart's new
    connections too), planned once (plan_cache_mode: the same index scans whatever the sender)."""
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("SET plan_cache_mode = force_generic_plan")
        for name, (types, statement) in PREPARED.items():
            sql = str(statement)
            for named, positional in _POSITIONS.items():
                sql = sql.replace(named, positional)
            cursor.execute(f"PREPARE {name} ({types}) AS {sql}")
    finally:
        cursor.close()
    if not dbapi_connection.autocommit:
        dbapi_connection.commit()


# what those lookups need on Rasa's table, which indexes only sender_id
INDEXES = (
    "CREATE INDEX IF NOT EXISTS ix_events_sender_id_id ON events (sender_id, id)",
    "CREATE INDEX IF NOT EXISTS ix_events_sender_type_id ON events (sender_id, type_name, id)",
)


try:  # the batched save speaks to psycopg2 directly (PostgreSQL only)
    from psycopg2 import InterfaceError as DriverInterfaceError
    from psycopg2 import OperationalError as DriverOperationalError
except ImportError:  # pragma: no cover - SQLite only
    DriverInterfaceError = DriverOperationalError = sqlalchemy.exc.OperationalError

DATABASE_DOWN = (
    sqlalchemy.exc.OperationalError,
    sqlalchemy.exc.InterfaceError,
    DriverOperationalError,
    DriverInterfaceError,
)


async def with_retries(operation: Callable[[], Awaitable[T]], what: str) -> T:
    for attempt in range(1, ATTEMPTS + 1):
        try:
            return await operation()
        except DATABASE_DOWN as error:
            if attempt == ATTEMPTS:
                raise
            logger.warning(
                "tracker store %s failed (attempt %d), retrying: %s", what, attempt, str(error).splitlines()[0]
            )
            await asyncio.sleep(PAUSE_SECONDS)
    raise AssertionError("unreachable")


def event_row(sender_id: Text, data: Dict[str, Any]) -> Dict[str, Any]:
    """An event's row in the events table, columns in the order of the batched INSERT below."""
    return {
        "sender_id": sender_id,
        "type_name": data["event"],
        "timestamp": data.get("timestamp"),
        "intent_name": data.get("parse_data", {}).get("intent", {}).get(INTENT_NAME_KEY),
        "action_name": data.get("name"),
        "data": json.dumps(data),
    }


class RetryingSQLTrackerStore(SQLTrackerStore):
    """SQLTrackerStore whose reads and writes wait out a database restart (about 10 s), and
    which keeps the figures' tally beside the events."""

    engine: sa.engine.Engine

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.engine.dialect.name == "sqlite":
            self._keep_sqlite_connections()
        self.known_topics = list(load_catalogue())
        for attempt in range(1, ATTEMPTS + 1):
            # replicas starting together on one database collide here (PostgreSQL aborts one
            # ANALYZE of two as a deadlock; two CREATE INDEX meet in the catalogue): retry
            try:
                with self.engine.begin() as connection:
                    for index in INDEXES:
                        connection.execute(sa.text(index))
                    if self.engine.dialect.name == "postgresql":
                        connection.execute(sa.text("ANALYZE events"))  # the planner then knows the new indexes
                break
            except sqlalchemy.exc.DBAPIError:
                if attempt == ATTEMPTS:
                    raise
                time.sleep(0.2 * attempt)
        figures_store.create_tables(self.engine)
        figures_store.backfill(self.engine, self.known_topics)
        # the per-message reads outside a transaction: one round trip each instead of three
        # (psycopg2 sends BEGIN before the first query, and the pool a ROLLBACK on return); one
        # conversation's messages are taken one at a time (the lock store), so nothing is
        # written to a conversation between the two queries of a long session's load. An engine
        # of its own in autocommit: the same option set per use on Rasa's engine cost one more
        # round trip per read (the pool resets the isolation level on return).
        if self.engine.dialect.name == "postgresql":
            self.reading = sa.create_engine(
                self.engine.url, isolation_level="AUTOCOMMIT", **create_engine_kwargs(self.engine.url)
            )
            sa.event.listen(self.reading, "connect", _prepare_lookups)
            self.tail_query, self.state_query = EXECUTE_TAIL, EXECUTE_STATE_BEFORE
        else:
            self.reading = self.engine.execution_options(isolation_level="AUTOCOMMIT")
            self.tail_query, self.state_query = LATEST_SESSION_TAIL, STATE_BEFORE
        self._compiled: dict = {}
        # sender -> when a read found no event of it: Rasa then creates the tracker and saves it
        # (its action_listen) under the same lock, so that save needs no count query
        self._found_none: dict = {}

    def _keep_sqlite_connections(self) -> None:
        """`make run`'s SQLite file: pooled connections in WAL mode.

        Rasa's engine opens the file anew for every query (SQLAlchemy 1.4's NullPool for
        SQLite files) and syncs the whole journal to disk on every commit. Here connections
        are kept, and the write-ahead log (synchronous=NORMAL: a commit survives a crash of
        the process; only a power cut can lose the last ones) lets the web app read while
        Rasa writes."""
        url = self.engine.url
        self.engine.dispose()
        self.engine = sa.create_engine(
            url, poolclass=sa.pool.QueuePool, pool_size=4, connect_args={"check_same_thread": False}
        )
        sa.event.listen(self.engine, "connect", _sqlite_pragmas)
        self.sessionmaker = sa.orm.session.sessionmaker(bind=self.engine)

    async def save(self, tracker: DialogueStateTracker) -> None:
        """SQLTrackerStore.save, its queries in a worker thread (the event loop goes on)."""
        await self.stream_events(tracker)
        await with_retries(lambda: asyncio.to_thread(self._write_new_events, tracker), f"save of {tracker.sender_id}")
        if hasattr(tracker, STORED_EVENTS):  # saved again later in the turn: only what follows
            setattr(tracker, STORED_EVENTS, len(tracker.events))

    def _write_new_events(self, tracker: DialogueStateTracker) -> None:
        """The events not stored yet, with the new events tallied in the same transaction.

        One multi-row INSERT (SQLAlchemy Core: psycopg2 sends it as one statement) instead of
        an ORM object and an INSERT ... RETURNING round trip per event. On PostgreSQL the whole
        transaction takes two round trips (_write_batched)."""
        stored = getattr(tracker, STORED_EVENTS, None)
        if stored is None and self._just_created(tracker):
            stored = 0
        if self.engine.dialect.name == "postgresql" and stored is not None:
            try:
                return self._write_batched(tracker, stored)
            except _NotBatchable as unexpected:  # rolled back: saved the usual way
                logger.warning("tracker store: batched save of %s not possible (%s)", tracker.sender_id, unexpected)
        with self.engine.begin() as connection:
            events = [event.as_dict() for event in self._additional_events(connection, tracker)]
            if events:
                connection.execute(self._events_table.insert(), [event_row(tracker.sender_id, data) for data in events])
            figures_store.record(connection, tracker.sender_id, events, self.known_topics)

    def _write_batched(self, tracker: DialogueStateTracker, stored: int) -> None:
        """_write_new_events in two round trips instead of six (BEGIN, the INSERT, the tally's
        read, its two upserts, COMMIT: each a wake-up of PostgreSQL and of a worker thread,
        several milliseconds of the turn under load): the INSERT and the tally's read go
        together, then the tally's writes and the COMMIT. One transaction, as before: a failure
        anywhere rolls back everything and the save is retried whole."""
        new = [event.as_dict() for event in itertools.islice(tracker.events, stored, len(tracker.events))]
        if not new:
            return
        rows = [tuple(event_row(tracker.sender_id, data).values()) for data in new]
        with self.reading.connect() as connection:  # autocommit: the transaction is spelled out
            cursor = connection.connection.cursor()
            try:
                values = b",".join(cursor.mogrify("(%s,%s,%s,%s,%s,%s)", row) for row in rows)
                cursor.execute(
                    b"BEGIN; INSERT INTO events (sender_id, type_name, timestamp, intent_name, action_name, data) VALUES "
                    + values
                    + b"; "
                    + cursor.mogrify("EXECUTE tracker_figure_state(%s)", (tracker.sender_id,))
                )
                tally = _TallyBatch(cursor.fetchone())
                figures_store.record(tally, tracker.sender_id, new, self.known_topics)
                cursor.execute(
                    b"".join(self._render(cursor, statement, params) + b"; " for statement, params in tally.writes)
                    + b"COMMIT"
                )
            except BaseException as error:
                try:
                    cursor.execute("ROLLBACK")
                except Exception:
                    connection.invalidate()  # the database went away: a new connection next time
                if isinstance(error, (DriverOperationalError, DriverInterfaceError)):
                    connection.invalidate()
                raise
            finally:
                cursor.close()

    def _just_created(self, tracker: DialogueStateTracker) -> bool:
        """Whether `tracker` is the one Rasa created (at most its action_listen) right after a read
        of its conversation found nothing: none of its events is stored."""
        found_none = self._found_none.pop(tracker.sender_id, None)
        return (
            found_none is not None and time.monotonic() - found_none < NEW_TRACKER_SECONDS and len(tracker.events) <= 1
        )

    def _render(self, cursor: Any, statement: Any, params: dict) -> bytes:
        """A SQLAlchemy statement with its parameters as one SQL string (psycopg2 quotes them)."""
        compiled = self._compiled.get(statement)
        if compiled is None:
            compiled = self._compiled[statement] = statement.compile(dialect=self.reading.dialect)
        return cursor.mogrify(compiled.string, compiled.construct_params(params))

    @property
    def _events_table(self) -> sa.Table:
        return self.SQLEvent.__table__

    async def _retrieve(self, sender_id: Text, fetch_events_from_all_sessions: bool) -> Optional[DialogueStateTracker]:
        return await with_retries(
            lambda: self._read_tracker(sender_id, fetch_events_from_all_sessions), f"read of {sender_id}"
        )

    async def _read_tracker(self, sender_id: Text, all_sessions: bool) -> Optional[DialogueStateTracker]:
        """SQLTrackerStore._retrieve with the query in SQL; a long session as its recent turns."""

        def read() -> Sequence[Any]:
            params = _session_params(sender_id)
            with self.reading.connect() as connection:
                if all_sessions:
                    return connection.execute(ALL_EVENTS, {"sender_id": sender_id}).all()
                tail = connection.execute(self.tail_query, {**params, "window": RECENT_WINDOW}).all()[::-1]
                if len(tail) < RECENT_WINDOW:
                    return tail  # the whole session
                listens = [r.id for r in tail if r.type_name == "action" and r.action_name == "action_listen"]
                if len(listens) <= RECENT_TURNS:  # turns of many events: the whole session
                    return connection.execute(LATEST_SESSION_EVENTS, params).all()
                start = listens[-RECENT_TURNS - 1]
                state = connection.execute(self.state_query, {**params, "start": start}).all()
                return [*state, *(r for r in tail if r.id >= start)]

        rows = await asyncio.to_thread(read)  # the event loop goes on while PostgreSQL answers
        if not all_sessions:
            if rows:
                self._found_none.pop(sender_id, None)
            else:
                if len(self._found_none) > 10_000:  # reads never followed by a save
                    self._found_none.clear()
                self._found_none[sender_id] = time.monotonic()
        if not (self.domain and rows):
            return None
        tracker = DialogueStateTracker.from_dict(sender_id, [parsed_event(row.data) for row in rows], self.domain.slots)
        if not all_sessions:  # saving writes what follows these (no count query; and a bounded load
            setattr(tracker, STORED_EVENTS, len(tracker.events))  # has fewer events than are stored)
        return tracker

    def _additional_events(self, connection: Any, tracker: DialogueStateTracker) -> Iterator:
        """The tracker's events not stored yet (SQLTrackerStore._additional_events in SQL)."""
        stored = getattr(tracker, STORED_EVENTS, None)  # loaded here: what it had
        if stored is None:
            stored = connection.execute(LATEST_SESSION_COUNT, _session_params(tracker.sender_id)).scalar()
        return itertools.islice(tracker.events, stored, len(tracker.events))


# set on a tracker loaded from the latest session: how many of its events are stored already
STORED_EVENTS = "_stored_event_count"


@lru_cache(maxsize=8192)
def parsed_event(data: str) -> Dict[str, Any]:
    """A stored event's JSON, parsed once per process.

    Every message re-reads its conversation's recent turns, and parsing them was about a tenth
    of a long conversation's message (a user event carries its whole NLU ranking). Keyed by the
    stored text itself, so a hit is the same event whatever its row. Rasa builds its events from
    these dicts and changes one thing in place: replaying EntitiesAdded appends to the user
    message's entity list, which it shares with the dict; it appends only entities not there, so
    a later replay of the same events finds them and leaves it as a fresh parse would
    (tests/unit/test_tracker_store.py)."""
    return json.loads(data)


class _NotBatchable(Exception):
    """The tally asked for something a batched save cannot give: the save goes the usual way."""


class _TallyBatch:
    """What bot.insights.figures_store.record is given as its connection in a batched save:
    its read of the conversation's state answered from the row fetched with the INSERT, its
    writes kept to go in one round trip with the COMMIT."""

    def __init__(self, state_row: Any) -> None:
        self.state_row = state_row
        self.writes: list = []

    def execute(self, statement: Any, params: Optional[dict] = None) -> Any:
        if statement is figures_store._GET_STATE:
            return _OneRow(self.state_row)
        if not isinstance(statement, sa.sql.elements.TextClause) or str(statement).lstrip().upper().startswith(
            "SELECT"
        ):
            raise _NotBatchable(f"cannot batch {str(statement)[:60]}")  # a write only, or the state's read
        self.writes.append((statement, params or {}))
        return None


class _OneRow:
    def __init__(self, row: Any) -> None:
        self.row = row

    def first(self) -> Any:
        return None if self.row is None else _State(self.row[0])


class _State:
    def __init__(self, state: str) -> None:
        self.state = state


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _session_params(sender_id: Text) -> dict:
    return {"sender_id": sender_id, "session_started": SessionStarted.type_name}
