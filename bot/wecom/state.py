"""What the wecom_kf channel must remember across restarts, in its own small database.

- the sync_msg cursor, saved after each page is handled: a restart resumes where it stopped;
- the msgids already answered: a page fetched again (after a crash, or a repeated callback)
  answers nothing twice;
- per customer, when they last wrote and how many messages were sent since (WeCom allows 5
  per customer message, within 48 hours) and whether a human servicer has the session;
- every send, with its outcome: only sends WeCom accepted are recorded as delivered.

WECOM_KF_DB_URL (any SQLAlchemy URL; PostgreSQL when several Rasa servers share the work),
else SQLite in DATA_DIR.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import List, Optional

import sqlalchemy as sa

from bot import settings
from bot.db import create_tables_once

metadata = sa.MetaData()

cursors = sa.Table(
    "wecom_kf_cursors",
    metadata,
    sa.Column("open_kfid", sa.String(64), primary_key=True),
    sa.Column("cursor", sa.String(128), nullable=False),
    sa.Column("lease_until", sa.Float, nullable=False, default=0.0),  # one puller at a time
)
answered = sa.Table(
    "wecom_kf_answered",
    metadata,
    sa.Column("msgid", sa.String(128), primary_key=True),
    sa.Column("at", sa.Float, nullable=False, index=True),
)
customers = sa.Table(
    "wecom_kf_customers",
    metadata,
    sa.Column("external_userid", sa.String(128), primary_key=True),
    sa.Column("last_message_at", sa.Float, nullable=False, default=0.0),
    sa.Column("sent_since", sa.Integer, nullable=False, default=0),
    sa.Column("with_servicer", sa.Boolean, nullable=False, default=False),
)
sends = sa.Table(
    "wecom_kf_sends",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("external_userid", sa.String(128), nullable=False, index=True),
    sa.Column("msgid", sa.String(128), nullable=False, default=""),
    sa.Column("msgtype", sa.String(32), nullable=False),
    sa.Column("status", sa.String(32), nullable=False),  # delivered | refused | skipped | failed
    sa.Column("detail", sa.String(200), nullable=False, default=""),
    sa.Column("at", sa.Float, nullable=False),
)

WINDOW_SECONDS = 48 * 3600
QUOTA = 5
ANSWERED_DAYS = 4  # sync_msg returns at most the last 3 days


@dataclass(frozen=True)
class Customer:
    external_userid: str
    last_message_at: float
    sent_since: int
    with_servicer: bool

    def may_send(self, now: float) -> Optional[str]:
        """None when a message may go out, else why not."""
        if self.with_servicer:
            return "with a human servicer"
        if now - self.last_message_at > WINDOW_SECONDS:
            return "outside the 48-hour window"
        if self.sent_since >= QUOTA:
            return "5 messages already sent since the customer's last message"
        return None


@dataclass(frozen=True)
class Send:
    external_userid: str
    msgid: str
    msgtype: str
    status: str
    detail: str


class KfState:
    def __init__(self, url: Optional[str] = None) -> None:
        self.engine = sa.create_engine(url or settings.wecom_kf_db_url())
        create_tables_once(metadata, self.engine)

    # -- cursor and answered msgids ---------------------------------------------------------

    def cursor(self, open_kfid: str) -> str:
        with self.engine.connect() as connection:
            return (
                connection.execute(sa.select(cursors.c.cursor).where(cursors.c.open_kfid == open_kfid)).scalar() or ""
            )

    def save_cursor(self, open_kfid: str, cursor: str) -> None:
        with self.engine.begin() as connection:
            if (
                connection.execute(
                    cursors.update().where(cursors.c.open_kfid == open_kfid).values(cursor=cursor)
                ).rowcount
                == 0
            ):
                connection.execute(cursors.insert().values(open_kfid=open_kfid, cursor=cursor, lease_until=0.0))

    def is_answered(self, msgid: str) -> bool:
        with self.engine.connect() as connection:
            return connection.execute(sa.select(answered.c.msgid).where(answered.c.msgid == msgid)).first() is not None

    def mark_answered(self, msgid: str) -> bool:
        """Record msgid as handled; False when it already was (another worker had it)."""
        try:
            with self.engine.begin() as connection:
                connection.execute(answered.insert().values(msgid=msgid, at=time.time()))
                connection.execute(answered.delete().where(answered.c.at < time.time() - ANSWERED_DAYS * 86400))
            return True
        except sa.exc.IntegrityError:
            return False

    # -- customers: window, quota, servicer -------------------------------------------------

    def customer(self, external_userid: str) -> Customer:
        with self.engine.connect() as connection:
            row = connection.execute(sa.select(customers).where(customers.c.external_userid == external_userid)).first()
        if row is None:
            return Customer(external_userid, 0.0, 0, False)
        return Customer(**row._mapping)

    def _upsert(self, external_userid: str, **values) -> None:
        with self.engine.begin() as connection:
            done = connection.execute(
                customers.update().where(customers.c.external_userid == external_userid).values(**values)
            ).rowcount
            if not done:
                connection.execute(
                    customers.insert().values(
                        external_userid=external_userid,
                        **{"last_message_at": 0.0, "sent_since": 0, "with_servicer": False, **values},
                    )
                )

    def customer_wrote(self, external_userid: str, at: float) -> None:
        """A customer message opens the window again and resets the quota."""
        self._upsert(external_userid, last_message_at=at, sent_since=0)

    def count_send(self, external_userid: str) -> None:
        with self.engine.begin() as connection:
            connection.execute(
                customers.update()
                .where(customers.c.external_userid == external_userid)
                .values(sent_since=customers.c.sent_since + 1)
            )

    def quota_spent(self, external_userid: str) -> None:
        """WeCom said 95001: no more until the customer writes again."""
        self._upsert(external_userid, sent_since=QUOTA)

    def set_with_servicer(self, external_userid: str, value: bool) -> None:
        self._upsert(external_userid, with_servicer=value)

    # -- the ledger of sends ----------------------------------------------------------------

    def record_send(self, external_userid: str, msgtype: str, status: str, msgid: str = "", detail: str = "") -> None:
        with self.engine.begin() as connection:
            connection.execute(
                sends.insert().values(
                    external_userid=external_userid,
                    msgid=msgid,
                    msgtype=msgtype,
                    status=status,
                    detail=detail[:200],
                    at=time.time(),
                )
            )

    def send_failed(self, msgid: str, detail: str) -> None:
        """msg_send_fail: a send WeCom accepted did not reach the customer after all."""
        with self.engine.begin() as connection:
            connection.execute(
                sends.update().where(sends.c.msgid == msgid).values(status="failed", detail=detail[:200])
            )

    def sends_to(self, external_userid: str) -> List[Send]:
        with self.engine.connect() as connection:
            rows = connection.execute(
                sa.select(sends).where(sends.c.external_userid == external_userid).order_by(sends.c.id)
            ).all()
        return [Send(r.external_userid, r.msgid, r.msgtype, r.status, r.detail) for r in rows]
