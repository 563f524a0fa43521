"""The web database: one schema (`metadata`) and its engine; nothing else.

Every table of the web app's database joins `metadata` in the module of the store that owns
it (bot/status/store.py, bot/handoffs/store.py, bot/staff/accounts.py,
bot/service_points/live_store.py, bot/insights/labels.py). bot/stores.py builds the stores
on one engine; only the web app (and its `python -m bot.console` command) creates the tables.

Why SQLAlchemy Core: SQLite under DATA_DIR for `make run` on one machine, PostgreSQL
(WEB_DB_URL) when several processes share it; the same SQL for both.
"""

from __future__ import annotations

import time
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


def add_missing_columns(engine: sa.engine.Engine) -> None:
    """Columns added to a table after its database was made: ALTER TABLE ADD COLUMN for each
    one the database lacks (nullable, or with a server default). Why: `create_all` makes
    missing tables but never changes an existing one, and a running installation's
    database outlives a release."""
    inspector = sa.inspect(engine)
    with engine.begin() as connection:
        for table in metadata.sorted_tables:
            present = {c["name"] for c in inspector.get_columns(table.name)}
            for column in table.columns:
                if column.name in present:
                    continue
                kind = column.type.compile(engine.dialect)
                default = f" DEFAULT '{column.server_default.arg}'" if column.server_default is not None else ""
                connection.execute(sa.text(f"ALTER TABLE {table.name} ADD COLUMN {column.name} {kind}{default}"))


def create_tables_once(metadata: sa.MetaData, engine: sa.engine.Engine, attempts: int = 5) -> None:
    """`metadata.create_all`, safe when several processes start together on one database.

    Why: two replicas creating the same table at once collide in PostgreSQL's catalogue
    (UniqueViolation on pg_type) although each checked that the table was missing; the one that
    lost waits and tries again, and `create_all` then finds the table made.
    """
    for attempt in range(1, attempts + 1):
        try:
            metadata.create_all(engine)
            return
        except sa.exc.DBAPIError:
            if attempt == attempts:
                raise
            time.sleep(0.2 * attempt)
