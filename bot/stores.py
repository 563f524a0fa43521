"""The shared stores of one process (one database engine), for the actions."""
from functools import lru_cache

from bot.handoffs.store import HandoffStore
from bot.status.store import StatusStore


@lru_cache(maxsize=1)
def status_store() -> StatusStore:
    """Status, history and restoration subscriptions (WEB_DB_URL, or SQLite in DATA_DIR)."""
    return StatusStore()


@lru_cache(maxsize=1)
def handoff_store() -> HandoffStore:
    return HandoffStore(status_store().engine)
