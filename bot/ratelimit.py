"""Per-sender rate limit: a token bucket for each conversation, bounded in memory.

A person types at most a message every second or two; a client sending faster is a script.
"""
from __future__ import annotations

import time
from collections import OrderedDict
from typing import Tuple


class SenderLimiter:
    def __init__(self, burst: int = 20, per_second: float = 1.0, max_senders: int = 100_000) -> None:
        self.burst = burst
        self.per_second = per_second
        self.max_senders = max_senders
        self._buckets: "OrderedDict[str, Tuple[float, float]]" = OrderedDict()

    def allow(self, sender: str, now: float | None = None) -> bool:
        """Take one message from `sender`'s bucket; False when it is empty."""
        now = time.monotonic() if now is None else now
        tokens, last = self._buckets.pop(sender, (float(self.burst), now))
        tokens = min(float(self.burst), tokens + (now - last) * self.per_second)
        allowed = tokens >= 1.0
        self._buckets[sender] = (tokens - 1.0 if allowed else tokens, now)
        while len(self._buckets) > self.max_senders:
            self._buckets.popitem(last=False)
        return allowed
