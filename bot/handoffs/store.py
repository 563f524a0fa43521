"""The hand-off queue: which conversations a human has, why, and who took them.

What users said stays in the tracker store; this table only holds the queue's state.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import List, Optional

import sqlalchemy as sa

from bot.db import metadata, now_utc

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


class HandoffStore:
    def __init__(self, engine: sa.engine.Engine) -> None:
        self.engine = engine

    def open(self, conversation_id: str, reason: str, channel: str) -> Handoff:
        """Open a hand-off (the open one again, if there is one)."""
        with self.engine.begin() as connection:
            row = connection.execute(sa.select(handoffs.c.id).where(_open(conversation_id))).first()
            if row is None:
                connection.execute(handoffs.insert().values(
                    conversation_id=conversation_id, channel=channel or "", reason=reason,
                    opened_at=now_utc().isoformat(),
                ))
        return self.open_for(conversation_id)

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

    def count(self) -> int:
        """Hand-offs ever opened."""
        with self.engine.connect() as connection:
            return connection.execute(sa.select(sa.func.count()).select_from(handoffs)).scalar()

    def take(self, handoff_id: int, staff: str) -> bool:
        return self._update_open(handoff_id, taken_by=staff, taken_at=now_utc().isoformat())

    def close(self, handoff_id: int, staff: str) -> bool:
        return self._update_open(handoff_id, closed_by=staff, closed_at=now_utc().isoformat())

    def _update_open(self, handoff_id: int, **values: str) -> bool:
        """Change a hand-off that is still open; False when it is closed or unknown."""
        with self.engine.begin() as connection:
            result = connection.execute(
                handoffs.update()
                .where((handoffs.c.id == handoff_id) & handoffs.c.closed_at.is_(None))
                .values(**values)
            )
        return result.rowcount > 0
