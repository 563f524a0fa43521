"""Retry memory: one user message is one turn, however many times WeChat delivers it.

WeChat retries a message it got no answer to within 5 s (three deliveries in all, same MsgId).
A retry waits for and returns the first delivery's reply instead of starting a second turn.
Keys are (OpenID, MsgId): MsgIds are not unique across users.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from typing import Any, Callable, Dict, Hashable, List, Optional

MEMORY_SECONDS = 660  # past the 5-minute timestamp window (either side): a replay is never a new turn


@dataclass
class Turn:
    """One user message and what was answered to it."""

    task: "asyncio.Task[List[Dict[str, Any]]]"
    started: float
    passive: Optional[str] = None  # the reply body once given (a retry gets the same)
    deferred: bool = False  # the customer-service API delivers the answer


class TurnMemory:
    def __init__(self, memory_seconds: float = MEMORY_SECONDS) -> None:
        self.memory_seconds = memory_seconds
        self._turns: Dict[Hashable, Turn] = {}

    def get(self, key: Hashable) -> Optional[Turn]:
        self._forget_old()
        return self._turns.get(key)

    def start(self, key: Hashable, run: Callable[[], Any], started: float) -> Turn:
        """A new turn for `key`, running `run()` (a coroutine function) in the background."""
        turn = Turn(asyncio.ensure_future(run()), started)
        self._turns[key] = turn
        return turn

    def __len__(self) -> int:
        return len(self._turns)

    def _forget_old(self) -> None:
        horizon = time.monotonic() - self.memory_seconds
        for key in [k for k, t in self._turns.items() if t.started < horizon and t.task.done()]:
            del self._turns[key]
