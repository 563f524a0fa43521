"""The audit log: every staff action (who, what, on which object, when), newest first.

Written by the web app's middleware for every staff change through the API, and by the
console's login and logout; supervisors read it in the console.
"""

from __future__ import annotations

from typing import Any, Dict, List

import sqlalchemy as sa

from bot.db import metadata, now_utc

audit_log = sa.Table(
    "staff_audit_log",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("at", sa.String(40), nullable=False),
    sa.Column("staff", sa.String(100), nullable=False),
    sa.Column("action", sa.String(100), nullable=False),
    sa.Column("target", sa.String(300), nullable=False, default=""),
    sa.Column("detail", sa.String(500), nullable=False, default=""),
)


class AuditLog:
    def __init__(self, engine: sa.engine.Engine) -> None:
        self.engine = engine

    def record(self, staff: str, action: str, target: str = "", detail: str = "") -> None:
        with self.engine.begin() as connection:
            connection.execute(
                audit_log.insert().values(
                    at=now_utc().isoformat(),
                    staff=staff[:100],
                    action=action[:100],
                    target=target[:300],
                    detail=detail[:500],
                )
            )

    def recent(self, limit: int = 200) -> List[Dict[str, Any]]:
        with self.engine.connect() as connection:
            rows = connection.execute(sa.select(audit_log).order_by(audit_log.c.id.desc()).limit(limit)).all()
        return [dict(row._mapping) for row in rows]
