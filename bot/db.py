"""The web database: one schema (`metadata`) and its engine; nothing else.

Every table of the web app's database joins `metadata` in the module of the store that owns
it (bot/status/store.py, bot/handoffs/store.py, bot/staff/accounts.py,
bot/service_points/live_store.py, bot/insights/labels.py). bot/stores.py builds the stores
on one engine; only the web app (and its `python -m bot.console` command) creates the tables.

Why SQLAlchemy Core: SQLite under DATA_DIR for `make run` on one machine, PostgreSQL
(WEB_DB_URL) when several processes share it; the same SQL for both.
"""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Optional

import sqlalchemy as sa

from bot import settings

metadata = sa.MetaData()


def now_utc() -> datetime:
    """The time stamps of every table: UTC, whole seconds."""
    return datetime.now(timezone.utc).replace(microsecond=0)


def create_engine(url: Optional[str] = None) -> sa.engine.Engine:
    """The engine of the web database (WEB_DB_URL, or SQLite in DATA_DIR)."""
    return sa.create_engine(url or settings.web_db_url(), future=True, pool_pre_ping=True)
