"""Rasa's Redis lock store, waiting out a Redis restart instead of failing the message.

Why: with several Rasa replicas the Redis lock store orders one conversation's messages. If
Redis restarts, Rasa's store raises on the next lock call: a message whose lock cannot be
taken gets an error (and the client sends it again), and a message whose lock cannot be
released after it was answered gets an error too, so the client's retry is answered twice.
Here taking the lock waits (without blocking the event loop) until Redis is back, and a
release that fails is only logged: a restarted Redis has no locks left to release. Its Redis
calls (redis-py, synchronous) run in a worker thread, so the event loop goes on meanwhile, and
each change of a lock is one Redis transaction, so two replicas cannot take the same ticket.
Taking a ticket and releasing it are one Lua script each (one round trip where WATCH, GET and
MULTI/SET/EXEC took three), writing the lock in Rasa's own format (TicketLock.dumps).
Configured in endpoints.yml as `type: bot.lock_store.RetryingRedisLockStore` (LOCK_STORE_TYPE).
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections import deque
from contextlib import asynccontextmanager
from typing import AsyncGenerator, Callable, Optional, Text, Tuple

from rasa.core.lock import Ticket, TicketLock
from rasa.core.lock_store import LOCK_LIFETIME, LockError, RedisLockStore
from rasa.utils.endpoints import EndpointConfig
from redis.exceptions import RedisError, WatchError

logger = logging.getLogger(__name__)

ATTEMPTS = 40
PAUSE_SECONDS = 0.25
SOCKET_TIMEOUT_SECONDS = 2.0


# Rasa's TicketLock in Lua (rasa/core/lock.py): a ticket has expired when now > expires; the
# next number follows the last unexpired one (0 when none); the lock is served to its first
# unexpired ticket. Written back as TicketLock.dumps writes it (each ticket a JSON string).
_LUA_TICKETS = """
local function unexpired(raw, now)
  local kept = {}
  if raw then
    for _, text in ipairs(cjson.decode(raw)['tickets'] or {}) do
      local ticket = cjson.decode(text)
      if not (now > tonumber(ticket['expires'])) then table.insert(kept, ticket) end
    end
  end
  return kept
end
local function store(key, conversation_id, tickets)
  if #tickets == 0 then return redis.call('DEL', key) end
  local texts = {}
  for i, ticket in ipairs(tickets) do
    texts[i] = cjson.encode({number = ticket['number'], expires = ticket['expires']})
  end
  return redis.call('SET', key, cjson.encode({conversation_id = conversation_id, tickets = texts}))
end
"""
# KEYS[1] the lock; ARGV conversation id, now, lifetime -> {the new ticket, the ticket served}
ISSUE = (
    _LUA_TICKETS
    + """
local now = tonumber(ARGV[2])
local tickets = unexpired(redis.call('GET', KEYS[1]), now)
local number = 0
if #tickets > 0 then number = tickets[#tickets]['number'] + 1 end
table.insert(tickets, {number = number, expires = now + tonumber(ARGV[3])})
store(KEYS[1], ARGV[1], tickets)
return {number, tickets[1]['number'], tostring(now + tonumber(ARGV[3]))}
"""
)
# KEYS[1] the lock; ARGV conversation id, now, the ticket to remove (the lock deleted when empty)
RELEASE = (
    _LUA_TICKETS
    + """
local kept = {}
for _, ticket in ipairs(unexpired(redis.call('GET', KEYS[1]), tonumber(ARGV[2]))) do
  if ticket['number'] ~= tonumber(ARGV[3]) then table.insert(kept, ticket) end
end
return store(KEYS[1], ARGV[1], kept)
"""
)


def _redis_down(error: BaseException) -> bool:
    return isinstance(error, RedisError) or isinstance(error.__context__, RedisError)


class RetryingRedisLockStore(RedisLockStore):
    """RedisLockStore whose lock waits out a Redis restart (about 10 s at most)."""

    def __init__(self, endpoint_config: EndpointConfig) -> None:
        options = {"socket_timeout": SOCKET_TIMEOUT_SECONDS, **endpoint_config.kwargs}
        super().__init__(host=endpoint_config.url or "localhost", **options)
        # EVALSHA, loaded again by redis-py after a Redis restart (NOSCRIPT)
        self._issue_script = self.red.register_script(ISSUE)
        self._release_script = self.red.register_script(RELEASE)

    @asynccontextmanager
    async def lock(
        self, conversation_id: Text, lock_lifetime: float = LOCK_LIFETIME, wait_time_in_seconds: float = 1
    ) -> AsyncGenerator[TicketLock, None]:
        ticket, lock = await self._take(conversation_id, lock_lifetime, wait_time_in_seconds)
        try:
            yield lock
        finally:
            try:
                await asyncio.to_thread(self._release, conversation_id, ticket)
            except RedisError as error:
                logger.warning(
                    "lock of %s not released (Redis: %s); a restarted Redis has none", conversation_id, error
                )

    async def _take(self, conversation_id: Text, lifetime: float, wait: float) -> Tuple[int, TicketLock]:
        for attempt in range(1, ATTEMPTS + 1):
            try:
                ticket, lock = await asyncio.to_thread(self._issue_and_look, conversation_id, lifetime)
                return ticket, await self._acquire(conversation_id, ticket, lock, wait)
            except (LockError, RedisError) as error:
                # Redis down, or restarted while we waited (our ticket vanished with it)
                if attempt == ATTEMPTS or not (_redis_down(error) or "Could not acquire" in str(error)):
                    raise
                logger.warning(
                    "lock for %s not taken (attempt %d), retrying: %s",
                    conversation_id,
                    attempt,
                    str(error).splitlines()[-1],
                )
                await asyncio.sleep(PAUSE_SECONDS)
        raise AssertionError("unreachable")

    def _atomically(
        self, conversation_id: Text, change: Callable[[Optional[TicketLock]], Optional[TicketLock]]
    ) -> None:
        """Read, change and write (or delete) a lock in one Redis transaction (WATCH/MULTI):
        Rasa's get-then-set lets two replicas (or two threads) take the same ticket."""
        key = self.key_prefix + conversation_id
        with self.red.pipeline() as pipe:
            for _ in range(100):
                try:
                    pipe.watch(key)
                    raw = pipe.get(key)
                    lock = change(TicketLock.from_dict(json.loads(raw)) if raw else None)
                    pipe.multi()
                    if lock is None:
                        pipe.delete(key)
                    else:
                        pipe.set(key, lock.dumps())
                    pipe.execute()
                    return
                except WatchError:
                    continue
        raise LockError(f"lock of {conversation_id} changed too often to update")

    def issue_ticket(self, conversation_id: Text, lock_lifetime: float = LOCK_LIFETIME) -> int:
        return self._issue(conversation_id, lock_lifetime)[0]

    def _issue(self, conversation_id: Text, lock_lifetime: float) -> Tuple[int, TicketLock]:
        """A new ticket, and the lock as this transaction wrote it (no second read)."""
        issued: list = []

        def issue(lock: Optional[TicketLock]) -> TicketLock:
            lock = lock or self.create_lock(conversation_id)
            issued.append((lock.issue_ticket(lock_lifetime), lock))
            return lock

        self._atomically(conversation_id, issue)
        return issued[-1]

    def update_lock(self, conversation_id: Text) -> None:
        def drop_expired(lock: Optional[TicketLock]) -> Optional[TicketLock]:
            if lock:
                lock.remove_expired_tickets()
            return lock

        self._atomically(conversation_id, drop_expired)

    def cleanup(self, conversation_id: Text, ticket_number: int) -> None:
        def finish(lock: Optional[TicketLock]) -> Optional[TicketLock]:
            if lock:
                lock.remove_ticket_for(ticket_number)
            return lock if lock and lock.is_someone_waiting() else None

        self._atomically(conversation_id, finish)

    def _issue_and_look(self, conversation_id: Text, lifetime: float) -> Tuple[int, Optional[TicketLock]]:
        """A ticket, and the lock as it is then (one Lua script: one round trip). When the ticket
        is served at once, the lock returned holds just it (what the turn needs to know)."""
        number, served, expires = self._issue_script(
            keys=[self.key_prefix + conversation_id], args=[conversation_id, repr(time.time()), repr(lifetime)]
        )
        if int(number) == int(served):
            return int(number), TicketLock(conversation_id, deque([Ticket(int(number), float(expires))]))
        return int(number), self.get_lock(conversation_id)

    def _release(self, conversation_id: Text, ticket_number: int) -> None:
        """cleanup in one Lua script: the ticket (and any expired one) removed, the lock deleted
        when no one waits."""
        self._release_script(
            keys=[self.key_prefix + conversation_id], args=[conversation_id, repr(time.time()), ticket_number]
        )

    async def _acquire(self, conversation_id: Text, ticket: int, lock: Optional[TicketLock], wait: float) -> TicketLock:
        """LockStore._acquire_lock, its Redis calls off the event loop."""
        while lock:
            if not lock.is_locked(ticket):
                return lock
            await asyncio.sleep(wait)
            await asyncio.to_thread(self.update_lock, conversation_id)
            lock = await asyncio.to_thread(self.get_lock, conversation_id)
        raise LockError(f"Could not acquire lock for conversation_id '{conversation_id}'.")
