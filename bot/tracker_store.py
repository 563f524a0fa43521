"""Rasa's SQL tracker store, waiting out a short database outage instead of losing messages.

Why: Rasa wraps every tracker store in a fail-safe that, on a database error, keeps the
conversation in process memory only; during a PostgreSQL restart that silently drops
messages from the record, and a failed read starts the conversation afresh. Retrying reads
and writes for a few seconds (a restart or failover) keeps the record whole; if the database
stays down, the error still surfaces as before.
"""
from __future__ import annotations

import asyncio
import logging
from typing import Awaitable, Callable, Optional, Text, TypeVar

import sqlalchemy.exc
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.trackers import DialogueStateTracker

logger = logging.getLogger(__name__)
T = TypeVar("T")

ATTEMPTS = 20
PAUSE_SECONDS = 0.5


async def with_retries(operation: Callable[[], Awaitable[T]], what: str) -> T:
    for attempt in range(1, ATTEMPTS + 1):
        try:
            return await operation()
        except (sqlalchemy.exc.OperationalError, sqlalchemy.exc.InterfaceError) as error:
            if attempt == ATTEMPTS:
                raise
            logger.warning("tracker store %s failed (attempt %d), retrying: %s", what, attempt,
                           str(error).splitlines()[0])
            await asyncio.sleep(PAUSE_SECONDS)
    raise AssertionError("unreachable")


class RetryingSQLTrackerStore(SQLTrackerStore):
    """SQLTrackerStore whose reads and writes wait out a database restart (about 10 s)."""

    async def save(self, tracker: DialogueStateTracker) -> None:
        await with_retries(lambda: SQLTrackerStore.save(self, tracker), f"save of {tracker.sender_id}")

    async def _retrieve(
        self, sender_id: Text, fetch_events_from_all_sessions: bool
    ) -> Optional[DialogueStateTracker]:
        return await with_retries(
            lambda: SQLTrackerStore._retrieve(self, sender_id, fetch_events_from_all_sessions),
            f"read of {sender_id}",
        )
