"""Rasa's Redis lock store, waiting out a Redis restart instead of failing the message.

Why: with several Rasa replicas the Redis lock store orders one conversation's messages. If
Redis restarts, Rasa's store raises on the next lock call: a message whose lock cannot be
taken gets an error (and the client sends it again), and a message whose lock cannot be
released after it was answered gets an error too, so the client's retry is answered twice.
Here taking the lock waits (without blocking the event loop) until Redis is back, and a
release that fails is only logged: a restarted Redis has no locks left to release.
Configured in endpoints.yml as `type: bot.lock_store.RetryingRedisLockStore` (LOCK_STORE_TYPE).
"""
from __future__ import annotations

import asyncio
import logging
from contextlib import asynccontextmanager
from typing import AsyncGenerator, Text

from rasa.core.lock import TicketLock
from rasa.core.lock_store import LOCK_LIFETIME, LockError, RedisLockStore
from rasa.utils.endpoints import EndpointConfig
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

ATTEMPTS = 40
PAUSE_SECONDS = 0.25
SOCKET_TIMEOUT_SECONDS = 2.0


def _redis_down(error: BaseException) -> bool:
    return isinstance(error, RedisError) or isinstance(error.__context__, RedisError)


class RetryingRedisLockStore(RedisLockStore):
    """RedisLockStore whose lock waits out a Redis restart (about 10 s at most)."""

    def __init__(self, endpoint_config: EndpointConfig) -> None:
        options = {"socket_timeout": SOCKET_TIMEOUT_SECONDS, **endpoint_config.kwargs}
        super().__init__(host=endpoint_config.url or "localhost", **options)

    @asynccontextmanager
    async def lock(
        self, conversation_id: Text, lock_lifetime: float = LOCK_LIFETIME, wait_time_in_seconds: float = 1
    ) -> AsyncGenerator[TicketLock, None]:
        ticket, lock = await self._take(conversation_id, lock_lifetime, wait_time_in_seconds)
        try:
            yield lock
        finally:
            try:
                self.cleanup(conversation_id, ticket)
            except RedisError as error:
                logger.warning("lock of %s not released (Redis: %s); a restarted Redis has none",
                               conversation_id, error)

    async def _take(self, conversation_id: Text, lifetime: float, wait: float) -> "tuple[int, TicketLock]":
        for attempt in range(1, ATTEMPTS + 1):
            try:
                ticket = self.issue_ticket(conversation_id, lifetime)
                return ticket, await self._acquire_lock(conversation_id, ticket, wait)
            except (LockError, RedisError) as error:
                # Redis down, or restarted while we waited (our ticket vanished with it)
                if attempt == ATTEMPTS or not (_redis_down(error) or "Could not acquire" in str(error)):
                    raise
                logger.warning("lock for %s not taken (attempt %d), retrying: %s", conversation_id, attempt,
                               str(error).splitlines()[-1])
                await asyncio.sleep(PAUSE_SECONDS)
        raise AssertionError("unreachable")
