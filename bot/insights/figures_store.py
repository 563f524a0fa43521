"""The running tally's tables, beside Rasa's `events` in the tracker database.

Written by the tracker store (bot.tracker_store) in the same transaction as the events it
saves, so the figures count every recorded event once; read by the web app (dashboard,
/metrics, unanswered questions) with a few small queries whatever the history's length.

- `figure_totals`: one row per total (bot.insights.tally's keys);
- `figure_conversations`: each conversation's fold state (JSON);
- `figure_misses`: which user messages went unanswered (conversation and time); their
  text stays in Rasa's `events` only and is read from there.

A database that already holds conversations is tallied once, when the tracker store first
opens it (`backfill`).
"""

from __future__ import annotations

import functools
import json
import logging
from collections import defaultdict
from typing import Any, Dict, List, Mapping, Optional, Sequence

import sqlalchemy as sa

from bot.db import create_tables_once
from bot.insights.tally import Step, fold

logger = logging.getLogger(__name__)

figures_metadata = sa.MetaData()

figure_totals = sa.Table(
    "figure_totals",
    figures_metadata,
    sa.Column("key", sa.String(200), primary_key=True),
    sa.Column("value", sa.Float, nullable=False),
)

figure_conversations = sa.Table(
    "figure_conversations",
    figures_metadata,
    sa.Column("conversation_id", sa.String(255), primary_key=True),
    sa.Column("state", sa.Text, nullable=False),
)

figure_misses = sa.Table(
    "figure_misses",
    figures_metadata,
    sa.Column("id", sa.String(300), primary_key=True),
    sa.Column("conversation_id", sa.String(255), nullable=False),
    sa.Column("timestamp", sa.Float, nullable=False, index=True),
)

# the marker that this database's earlier conversations were tallied
BACKFILLED = "_backfilled"

_PUT_STATE = sa.text(
    "INSERT INTO figure_conversations (conversation_id, state) VALUES (:conversation_id, :state)"
    " ON CONFLICT (conversation_id) DO UPDATE SET state = excluded.state"
)
_ADD_UNANSWERED = sa.text(
    "INSERT INTO figure_misses (id, conversation_id, timestamp)"
    " VALUES (:id, :conversation_id, :timestamp) ON CONFLICT (id) DO NOTHING"
)
# the unanswered messages with their text, from Rasa's own record of them
_UNANSWERED = (
    "SELECT u.id, u.conversation_id, u.timestamp, e.data FROM figure_misses u"
    " JOIN events e ON e.sender_id = u.conversation_id AND e.timestamp = u.timestamp AND e.type_name = 'user'"
)
_GET_STATE = sa.text("SELECT state FROM figure_conversations WHERE conversation_id = :conversation_id")
_CLAIM_BACKFILL = sa.text("INSERT INTO figure_totals (key, value) VALUES (:key, 1) ON CONFLICT (key) DO NOTHING")


@functools.lru_cache(maxsize=64)
def _add_to_totals(count: int) -> sa.TextClause:
    """Add to `count` totals, creating each when new (SQLite 3.24+ and PostgreSQL), in one
    statement; built once per count so SQLAlchemy compiles it once (its cache is keyed by it)."""
    rows = ", ".join(f"(:key{i}, :value{i})" for i in range(count))
    return sa.text(
        f"INSERT INTO figure_totals (key, value) VALUES {rows}"
        " ON CONFLICT (key) DO UPDATE SET value = figure_totals.value + excluded.value"
    )


def _apply(connection: sa.engine.Connection, conversation_id: str, step: Step, stored: Optional[str] = None) -> None:
    """Write a fold's step: its totals, the conversation's state (unless `stored` already is
    that state, as JSON), its unanswered questions."""
    keys = sorted(step.deltas)  # one order for every writer: no deadlock between replicas
    if keys:
        connection.execute(
            _add_to_totals(len(keys)),
            {
                **{f"key{i}": key for i, key in enumerate(keys)},
                **{f"value{i}": float(step.deltas[key]) for i, key in enumerate(keys)},
            },
        )
    state = json.dumps(step.state)
    if state != stored:
        connection.execute(_PUT_STATE, {"conversation_id": conversation_id, "state": state})
    for question in step.unanswered:
        connection.execute(_ADD_UNANSWERED, {k: question[k] for k in ("id", "conversation_id", "timestamp")})


def record(
    connection: sa.engine.Connection, conversation_id: str, events: Sequence[Dict[str, Any]], known: Sequence[str]
) -> None:
    """Fold a conversation's newly saved events into the tally (inside the saving transaction).

    Database errors propagate (the save is retried as a whole); a fault in the fold itself is
    logged and the events are saved untallied, never lost.
    """
    if not events:
        return
    row = connection.execute(_GET_STATE, {"conversation_id": conversation_id}).first()
    try:
        step = fold(conversation_id, json.loads(row.state) if row else None, events, known)
    except Exception:
        logger.exception("figures: events of %s not tallied", conversation_id)
        return
    _apply(connection, conversation_id, step, row.state if row else None)


def create_tables(engine: sa.engine.Engine) -> None:
    create_tables_once(figures_metadata, engine)


def backfill(engine: sa.engine.Engine, known: Sequence[str]) -> bool:
    """Tally the conversations recorded before the tally existed, once per database.

    True when this call did it. The claim and the tally are one transaction, so of several
    replicas starting together exactly one tallies.
    """
    with engine.begin() as connection:
        if connection.execute(_CLAIM_BACKFILL, {"key": BACKFILLED}).rowcount != 1:
            return False
        conversations: Dict[str, List[Dict[str, Any]]] = defaultdict(list)
        try:
            rows = connection.execute(sa.text("SELECT sender_id, data FROM events ORDER BY id"))
            for sender_id, data in rows:
                conversations[sender_id].append(json.loads(data))
        except sa.exc.DBAPIError:  # no events table yet: nothing recorded
            return True
        for conversation_id, events in conversations.items():
            _apply(connection, conversation_id, fold(conversation_id, None, events, known))
    if conversations:
        logger.info("figures: tallied %d earlier conversations", len(conversations))
    return True


class FiguresReader:
    """The web app's view of the tally (in the tracker database, which Rasa's process writes)."""

    def __init__(self, engine: sa.engine.Engine) -> None:
        self.engine = engine

    def _rows(self, query: Any) -> List[Any]:
        try:
            with self.engine.connect() as connection:
                return connection.execute(query).all()
        except (sa.exc.OperationalError, sa.exc.ProgrammingError):  # Rasa has not created them yet
            return []

    def totals(self) -> Mapping[str, float]:
        return {row.key: row.value for row in self._rows(sa.select(figure_totals)) if row.key != BACKFILLED}

    @staticmethod
    def _question(row: Any) -> Dict[str, Any]:
        return {
            "id": row.id,
            "conversation_id": row.conversation_id,
            "text": json.loads(row.data).get("text") or "",
            "timestamp": row.timestamp,
        }

    def unanswered(self, limit: int = 500) -> List[Dict[str, Any]]:
        """The newest unanswered user messages first."""
        query = sa.text(f"{_UNANSWERED} ORDER BY u.timestamp DESC LIMIT :limit").bindparams(limit=limit)
        return [self._question(row) for row in self._rows(query)]

    def question(self, question_id: str) -> Optional[Dict[str, Any]]:
        rows = self._rows(sa.text(f"{_UNANSWERED} WHERE u.id = :id").bindparams(id=question_id))
        return self._question(rows[0]) if rows else None
