"""The status store: the live outage status with its history, and restoration subscriptions.

Only the web app uses it: the action server reads the status and writes subscriptions
through the web app's API (bot/web/client.py). Tables join the web database's schema (bot/db.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import List, Optional

import sqlalchemy as sa

from bot.db import metadata, now_utc
from bot.status.model import OutageStatus

status_history = sa.Table(
    "status_history",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("state", sa.String(16), nullable=False),
    sa.Column("message", sa.Text, nullable=False, default=""),
    sa.Column("started_at", sa.String(40)),
    sa.Column("expected_resume_at", sa.String(40)),
    sa.Column("source_url", sa.String(500), nullable=False, default=""),
    sa.Column("updated_at", sa.String(40), nullable=False),
    sa.Column("updated_by", sa.String(100), nullable=False, default=""),
)

subscriptions = sa.Table(
    "restoration_subscriptions",
    metadata,
    sa.Column("conversation_id", sa.String(255), primary_key=True),
    sa.Column("channel", sa.String(64), nullable=False, default=""),
    sa.Column("subscribed_at", sa.String(40), nullable=False),
    sa.Column("notified_at", sa.String(40)),
)

# The guide's own state (docs/notice.txt, a vendor's 应急指南): suspended, the resume time not announced.
NOTICE_MESSAGE = "系统正在维护升级。急需开票可到线下办税服务厅办理。"


def initial_status() -> OutageStatus:
    return OutageStatus(
        state="suspended",
        message=NOTICE_MESSAGE,
        started_at=None,
        expected_resume_at=None,
        source_url="",
        updated_at=now_utc(),
        updated_by="应急指南初始状态",
    )


@dataclass(frozen=True)
class Subscription:
    conversation_id: str
    channel: str
    subscribed_at: str
    notified_at: Optional[str]


class StatusStore:
    def __init__(self, engine: sa.engine.Engine) -> None:
        self.engine = engine

    def seed(self) -> None:
        """The notice's own state as the first status, in a new database."""
        with self.engine.begin() as connection:
            if connection.execute(sa.select(sa.func.count()).select_from(status_history)).scalar() == 0:
                connection.execute(status_history.insert().values(**initial_status().to_dict()))

    # -- status -------------------------------------------------------------------

    @staticmethod
    def _row_to_status(row) -> OutageStatus:
        data = dict(row._mapping)
        data.pop("id", None)
        return OutageStatus.from_dict(data)

    def current(self) -> OutageStatus:
        with self.engine.connect() as connection:
            row = connection.execute(sa.select(status_history).order_by(status_history.c.id.desc()).limit(1)).one()
        return self._row_to_status(row)

    def history(self, limit: int = 100) -> List[OutageStatus]:
        with self.engine.connect() as connection:
            rows = connection.execute(sa.select(status_history).order_by(status_history.c.id.desc()).limit(limit)).all()
        return [self._row_to_status(row) for row in rows]

    def put(self, status: OutageStatus) -> OutageStatus:
        """Record a new status; the previous ones stay in the history."""
        with self.engine.begin() as connection:
            connection.execute(status_history.insert().values(**status.to_dict()))
        return status

    # -- restoration subscriptions --------------------------------------------------

    def subscribe(self, conversation_id: str, channel: str) -> bool:
        """Subscribe (again); False when a pending subscription already existed."""
        with self.engine.begin() as connection:
            existing = connection.execute(
                sa.select(subscriptions).where(subscriptions.c.conversation_id == conversation_id)
            ).first()
            values = dict(channel=channel or "", subscribed_at=now_utc().isoformat(), notified_at=None)
            if existing is None:
                connection.execute(subscriptions.insert().values(conversation_id=conversation_id, **values))
                return True
            connection.execute(
                subscriptions.update().where(subscriptions.c.conversation_id == conversation_id).values(**values)
            )
            return existing.notified_at is not None

    def unsubscribe(self, conversation_id: str) -> bool:
        """Remove a pending subscription; False when there was none."""
        with self.engine.begin() as connection:
            result = connection.execute(
                subscriptions.delete().where(
                    (subscriptions.c.conversation_id == conversation_id) & subscriptions.c.notified_at.is_(None)
                )
            )
        return result.rowcount > 0

    def pending(self) -> List[Subscription]:
        with self.engine.connect() as connection:
            rows = connection.execute(
                sa.select(subscriptions)
                .where(subscriptions.c.notified_at.is_(None))
                .order_by(subscriptions.c.subscribed_at)
            ).all()
        return [Subscription(**dict(row._mapping)) for row in rows]

    def mark_notified(self, conversation_id: str) -> bool:
        """Claim a subscription for its one notice; False when it was already claimed."""
        with self.engine.begin() as connection:
            result = connection.execute(
                subscriptions.update()
                .where((subscriptions.c.conversation_id == conversation_id) & subscriptions.c.notified_at.is_(None))
                .values(notified_at=now_utc().isoformat())
            )
        return result.rowcount > 0

    def release(self, conversation_id: str) -> None:
        """Give a claimed subscription back after a failed delivery."""
        with self.engine.begin() as connection:
            connection.execute(
                subscriptions.update()
                .where(subscriptions.c.conversation_id == conversation_id)
                .values(notified_at=None)
            )
