"""The hand-off queue: which conversations a human has, why, who took them and how they ended.

What users said stays in the tracker store; these tables hold the queue's state, the
suggested replies staff were shown and used, and nothing a visitor wrote except the line
the hand-off was opened on (the queue's "first line", so 200 open hand-offs list without
reading 200 transcripts).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Dict, List, Optional

import sqlalchemy as sa

from bot.db import metadata, now_utc

# how a hand-off ends; "left" is the visitor leaving the queue (算了 / 取消人工)
OUTCOMES = ("answered", "referred_12366", "no_reply", "left")
# a live hand-off waits for staff; a message is a question left outside staffed hours
KINDS = ("live", "message")
SUGGESTION_EVENTS = ("shown", "inserted", "edited", "sent")

handoffs = sa.Table(
    "handoffs",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("conversation_id", sa.String(255), nullable=False, index=True),
    sa.Column("channel", sa.String(64), nullable=False, default=""),
    sa.Column("reason", sa.String(200), nullable=False, default=""),
    sa.Column("opened_at", sa.String(40), nullable=False),
    sa.Column("taken_by", sa.String(100)),
    sa.Column("taken_at", sa.String(40)),
    sa.Column("closed_by", sa.String(100)),
    sa.Column("closed_at", sa.String(40)),
    sa.Column("kind", sa.String(20), nullable=False, default="live", server_default="live"),
    sa.Column("first_line", sa.String(300), nullable=False, default="", server_default=""),
    sa.Column("language", sa.String(10), nullable=False, default="zh", server_default="zh"),
    sa.Column("outage_state", sa.String(20), nullable=False, default="", server_default=""),
    sa.Column("first_reply_at", sa.String(40)),
    sa.Column("outcome", sa.String(20)),
    sa.Column("note", sa.String(500)),
)

suggestion_events = sa.Table(
    "handoff_suggestion_events",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("handoff_id", sa.Integer, nullable=False, index=True),
    sa.Column("topic", sa.String(100), nullable=False),
    sa.Column("event", sa.String(20), nullable=False),
    sa.Column("staff", sa.String(100), nullable=False),
    sa.Column("at", sa.String(40), nullable=False),
)


def _open(conversation_id: str):
    """The condition for a conversation's hand-off that is still open."""
    return (handoffs.c.conversation_id == conversation_id) & handoffs.c.closed_at.is_(None)


@dataclass(frozen=True)
class Handoff:
    id: int
    conversation_id: str
    channel: str
    reason: str
    opened_at: str
    taken_by: Optional[str]
    taken_at: Optional[str]
    closed_by: Optional[str]
    closed_at: Optional[str]
    kind: str = "live"
    first_line: str = ""
    language: str = "zh"
    outage_state: str = ""
    first_reply_at: Optional[str] = None
    outcome: Optional[str] = None
    note: Optional[str] = None


class HandoffStore:
    def __init__(self, engine: sa.engine.Engine) -> None:
        self.engine = engine

    def open(
        self,
        conversation_id: str,
        reason: str,
        channel: str,
        *,
        kind: str = "live",
        first_line: str = "",
        language: str = "zh",
        outage_state: str = "",
    ) -> Handoff:
        """Open a hand-off (the open one again, if there is one)."""
        with self.engine.begin() as connection:
            row = connection.execute(sa.select(handoffs.c.id, handoffs.c.kind).where(_open(conversation_id))).first()
            if row is not None and row.kind == "message" and kind == "live":  # a left question, now live
                connection.execute(handoffs.update().where(handoffs.c.id == row.id).values(kind="live", reason=reason))
            if row is None:
                connection.execute(
                    handoffs.insert().values(
                        conversation_id=conversation_id,
                        channel=channel or "",
                        reason=reason,
                        opened_at=now_utc().isoformat(),
                        kind=kind if kind in KINDS else "live",
                        first_line=" ".join((first_line or "").split())[:300],
                        language=language or "zh",
                        outage_state=outage_state or "",
                    )
                )
        opened = self.open_for(conversation_id)
        assert opened is not None  # opened (or found open) in the transaction above
        return opened

    def open_for(self, conversation_id: str) -> Optional[Handoff]:
        with self.engine.connect() as connection:
            row = connection.execute(sa.select(handoffs).where(_open(conversation_id))).first()
        return Handoff(**row._mapping) if row else None

    def get(self, handoff_id: int) -> Optional[Handoff]:
        with self.engine.connect() as connection:
            row = connection.execute(sa.select(handoffs).where(handoffs.c.id == handoff_id)).first()
        return Handoff(**row._mapping) if row else None

    def open_handoffs(self) -> List[Handoff]:
        with self.engine.connect() as connection:
            rows = connection.execute(
                sa.select(handoffs).where(handoffs.c.closed_at.is_(None)).order_by(handoffs.c.id)
            ).all()
        return [Handoff(**row._mapping) for row in rows]

    def recently_left(self, since: datetime) -> List[Handoff]:
        """Hand-offs whose visitor left the queue since then (staff see that they left)."""
        with self.engine.connect() as connection:
            rows = connection.execute(
                sa.select(handoffs)
                .where((handoffs.c.outcome == "left") & (handoffs.c.closed_at >= since.isoformat()))
                .order_by(handoffs.c.id)
            ).all()
        return [Handoff(**row._mapping) for row in rows]

    def all(self) -> List[Handoff]:
        """Every hand-off, open and closed (for the figures)."""
        with self.engine.connect() as connection:
            rows = connection.execute(sa.select(handoffs).order_by(handoffs.c.id)).all()
        return [Handoff(**row._mapping) for row in rows]

    def queue_length(self) -> int:
        """Live hand-offs waiting or being answered (left questions do not hold a place)."""
        with self.engine.connect() as connection:
            return connection.execute(
                sa.select(sa.func.count())
                .select_from(handoffs)
                .where(handoffs.c.closed_at.is_(None) & (handoffs.c.kind == "live"))
            ).scalar()

    def count(self) -> int:
        """Hand-offs ever opened."""
        with self.engine.connect() as connection:
            return connection.execute(sa.select(sa.func.count()).select_from(handoffs)).scalar()

    def take(self, handoff_id: int, staff: str) -> bool:
        return self._update_open(handoff_id, taken_by=staff, taken_at=now_utc().isoformat())

    def replied(self, handoff_id: int, staff: str) -> None:
        """A staff reply went out: the first one stops the waiting clock; an untaken hand-off is taken."""
        now = now_utc().isoformat()
        with self.engine.begin() as connection:
            connection.execute(
                handoffs.update()
                .where((handoffs.c.id == handoff_id) & handoffs.c.first_reply_at.is_(None))
                .values(first_reply_at=now)
            )
            connection.execute(
                handoffs.update()
                .where((handoffs.c.id == handoff_id) & handoffs.c.taken_by.is_(None))
                .values(taken_by=staff, taken_at=now)
            )

    def close(self, handoff_id: int, staff: str, outcome: Optional[str] = None, note: str = "") -> bool:
        if outcome is not None and outcome not in OUTCOMES:
            raise ValueError(f"outcome: one of {', '.join(OUTCOMES)}")
        return self._update_open(
            handoff_id,
            closed_by=staff,
            closed_at=now_utc().isoformat(),
            outcome=outcome,
            note=(note or "").strip()[:500] or None,
        )

    def visitor_left(self, conversation_id: str) -> Optional[Handoff]:
        """The visitor left the queue (算了 / 取消人工): the open hand-off closes as "left"."""
        handoff = self.open_for(conversation_id)
        if handoff is None:
            return None
        self.close(handoff.id, "visitor", "left")
        return self.get(handoff.id)

    def _update_open(self, handoff_id: int, **values: Optional[str]) -> bool:
        """Change a hand-off that is still open; False when it is closed or unknown."""
        with self.engine.begin() as connection:
            result = connection.execute(
                handoffs.update().where((handoffs.c.id == handoff_id) & handoffs.c.closed_at.is_(None)).values(**values)
            )
        return result.rowcount > 0

    # -- suggested replies: shown / inserted / edited / sent, for the acceptance rate
    def record_suggestion(self, handoff_id: int, topic: str, event: str, staff: str) -> None:
        if event not in SUGGESTION_EVENTS:
            raise ValueError(f"event: one of {', '.join(SUGGESTION_EVENTS)}")
        with self.engine.begin() as connection:
            connection.execute(
                suggestion_events.insert().values(
                    handoff_id=handoff_id, topic=topic[:100], event=event, staff=staff, at=now_utc().isoformat()
                )
            )

    def suggestion_counts(self) -> Dict[str, int]:
        with self.engine.connect() as connection:
            rows = connection.execute(
                sa.select(suggestion_events.c.event, sa.func.count()).group_by(suggestion_events.c.event)
            ).all()
        counts = {event: 0 for event in SUGGESTION_EVENTS}
        counts.update({event: n for event, n in rows})
        return counts
