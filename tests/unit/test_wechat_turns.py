"""Retry memory: one turn per (OpenID, MsgId), forgotten after a while."""

import asyncio
import time

from bot.wechat.turns import TurnMemory


async def test_the_same_msgid_from_two_users_is_two_turns():
    memory = TurnMemory()

    async def run():
        return []

    first = memory.start(("alice", "42"), run, time.monotonic())
    assert memory.get(("alice", "42")) is first
    assert memory.get(("mallory", "42")) is None
    await asyncio.sleep(0)


async def test_finished_turns_are_forgotten_after_the_memory_window():
    memory = TurnMemory(memory_seconds=0.05)

    async def run():
        return []

    turn = memory.start(("a", "1"), run, time.monotonic())
    await turn.task
    await asyncio.sleep(0.1)
    assert memory.get(("a", "1")) is None and len(memory) == 0
