"""bot.lock_store.RetryingRedisLockStore against a real Redis (Debian's redis-server, loopback).

What must hold: one message of a conversation at a time across replicas (two stores on one
Redis), a Redis restart waited out (the turn goes on, nothing raises), a failed release only
logged, and one store usable from one event loop after another.
"""

from __future__ import annotations

import asyncio
import shutil
import socket
import subprocess
import time
import uuid
from typing import Iterator, List

import pytest
import redis
from rasa.utils.endpoints import EndpointConfig

from bot import lock_store
from bot.lock_store import RetryingRedisLockStore

pytestmark = pytest.mark.skipif(shutil.which("redis-server") is None, reason="redis-server not installed")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Redis:
    def __init__(self, port: int, workdir: str) -> None:
        self.port, self.workdir = port, workdir
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        self.proc = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            cwd=self.workdir,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        client = redis.Redis(port=self.port)
        for _ in range(100):
            try:
                client.ping()
                return
            except redis.ConnectionError:
                time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=10)


@pytest.fixture
def server(tmp_path) -> Iterator[Redis]:
    instance = Redis(_free_port(), str(tmp_path))
    instance.start()
    yield instance
    instance.stop()


def store(port: int) -> RetryingRedisLockStore:
    return RetryingRedisLockStore(EndpointConfig(url="127.0.0.1", port=port, type="redis"))


def test_one_turn_of_a_conversation_at_a_time_across_two_stores(server: Redis) -> None:
    stores = [store(server.port), store(server.port)]
    conversation = f"c-{uuid.uuid4().hex[:6]}"
    inside: List[int] = []
    overlaps: List[int] = []
    order: List[int] = []

    async def turn(n: int) -> None:
        async with stores[n % 2].lock(conversation, wait_time_in_seconds=0.01):
            inside.append(n)
            overlaps.append(len(inside))
            await asyncio.sleep(0.005)
            order.append(n)
            inside.remove(n)

    async def run() -> None:
        await asyncio.gather(*(turn(n) for n in range(16)))

    asyncio.run(run())
    assert max(overlaps) == 1 and sorted(order) == list(range(16))
    assert stores[0].get_lock(conversation) is None  # the last release deleted it


def test_one_store_serves_one_loop_after_another(server: Redis) -> None:
    """Rasa's server has one loop; tests and tools (make test-scale) run one after another."""
    one = store(server.port)

    async def turn() -> None:
        async with one.lock("same"):
            pass

    asyncio.run(turn())
    asyncio.run(turn())
    assert one.get_lock("same") is None


def test_a_redis_restart_is_waited_out(server: Redis, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(lock_store, "PAUSE_SECONDS", 0.05)
    one = store(server.port)
    served: List[str] = []

    async def turn() -> None:
        async with one.lock("restart", wait_time_in_seconds=0.01):
            served.append("turn")

    async def run() -> None:
        await turn()  # the client's connections are open
        server.stop()
        waiting = asyncio.ensure_future(turn())
        await asyncio.sleep(0.3)
        assert not served[1:], "a turn went on without its lock"
        server.start()
        await asyncio.wait_for(waiting, 10)

    asyncio.run(run())
    assert served == ["turn", "turn"]


def test_a_release_that_fails_is_only_logged(server: Redis, caplog: pytest.LogCaptureFixture) -> None:
    one = store(server.port)

    async def run() -> None:
        async with one.lock("release"):
            server.stop()  # Redis gone while the turn runs: its lock went with it

    asyncio.run(run())
    assert "not released" in caplog.text


def test_the_scripts_keep_rasas_ticket_lock_format(server: Redis) -> None:
    """Tickets taken and released by the Lua scripts read as Rasa's TicketLock, in order;
    an expired ticket (a replica that died holding it) no longer blocks the next one."""
    one, other = store(server.port), store(server.port)
    first, _ = one._issue_and_look("format", 10)
    second, lock = other._issue_and_look("format", 10)
    assert (first, second) == (0, 1) and lock.is_locked(1) and not lock.is_locked(0)
    stored = one.get_lock("format")
    assert [t.number for t in stored.tickets] == [0, 1] and stored.now_serving == 0
    one._release("format", first)
    assert other.get_lock("format").now_serving == 1
    other._release("format", second)
    assert one.get_lock("format") is None  # deleted when no one waits

    one._issue_and_look("expired", 0.05)  # its holder died
    time.sleep(0.1)
    taken, lock = other._issue_and_look("expired", 10)
    assert not lock.is_locked(taken) and [t.number for t in one.get_lock("expired").tickets] == [taken]
