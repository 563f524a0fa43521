"""Read conversations straight from Rasa's SQL tracker store (the one record of them).

The console reads here rather than keeping a copy of what users said: Rasa's `events` table
holds every event as JSON in `data`, in order of `id`.
"""

from __future__ import annotations

import json
from collections import defaultdict
from typing import Any, Dict, List, Optional

import sqlalchemy as sa

from bot import settings


class TrackerDb:
    def __init__(self, url: Optional[str] = None) -> None:
        self.engine = sa.create_engine(url or settings.tracker_db_url(), future=True, pool_pre_ping=True)

    def _rows(self, where: str = "", **params: Any) -> List[Any]:
        query = f"SELECT sender_id, data FROM events {where} ORDER BY id"
        try:
            with self.engine.connect() as connection:
                return connection.execute(sa.text(query), params).all()
        except sa.exc.OperationalError:  # no conversation recorded yet: no table
            return []

    def events(self, conversation_id: str) -> List[Dict[str, Any]]:
        return [json.loads(row.data) for row in self._rows("WHERE sender_id = :s", s=conversation_id)]

    def all_conversations(self) -> Dict[str, List[Dict[str, Any]]]:
        conversations: Dict[str, List[Dict[str, Any]]] = defaultdict(list)
        for row in self._rows():
            conversations[row.sender_id].append(json.loads(row.data))
        return dict(conversations)
