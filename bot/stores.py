"""The web database's stores, built in one place for every process that uses them.

`build_stores()` gives every store on one engine; `prepare()` creates the tables, seeds the
first status and applies the operator YAML of the service points. Only the web app prepares
the database (at its start); the action server never opens it: it reaches the web data through the web app's API (bot/web/client.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Optional

import sqlalchemy as sa

from bot import db, settings
from bot.handoffs.store import HandoffStore
from bot.insights.labels import LabelStore
from bot.service_points.live_store import ServicePointStore
from bot.service_points.store import load_points
from bot.staff.accounts import Accounts
from bot.staff.audit import AuditLog
from bot.status.store import StatusStore


@dataclass(frozen=True)
class Stores:
    engine: sa.engine.Engine
    status: StatusStore
    handoffs: HandoffStore
    accounts: Accounts
    service_points: ServicePointStore
    labels: LabelStore
    audit: AuditLog


def build_stores(url: Optional[str] = None) -> Stores:
    """Every store of the web database, on one engine (WEB_DB_URL by default)."""
    engine = db.create_engine(url)
    return Stores(
        engine=engine,
        status=StatusStore(engine),
        handoffs=HandoffStore(engine),
        accounts=Accounts(engine),
        service_points=ServicePointStore(engine),
        labels=LabelStore(engine),
        audit=AuditLog(engine),
    )


def prepare(stores: Stores, service_points_file: Optional[Path] = None) -> None:
    """Create the missing tables (and columns added since), seed the first status, apply the service points' YAML."""
    db.metadata.create_all(stores.engine)
    db.add_missing_columns(stores.engine)
    stores.status.seed()
    stores.service_points.sync_from_yaml(load_points(service_points_file or settings.SERVICE_POINTS_FILE))
