"""One status store per process for the actions' subscriptions."""
from functools import lru_cache

from bot.status.store import StatusStore


@lru_cache(maxsize=1)
def subscription_store() -> StatusStore:
    return StatusStore()
