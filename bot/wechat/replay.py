"""Replay protection for signed callbacks: a timestamp window and a memory of nonces.

A WeChat (or WeCom) signature proves who made a request but not when: without these checks one
logged query string could be replayed forever. A request is refused when its timestamp is more
than 5 minutes away from now, or when its nonce was already used (within the window) for a
different body. The same nonce with the same body is WeChat retrying one delivery: let through,
so the retry gets the first delivery's answer (the channel's retry memory makes it one turn).
"""

from __future__ import annotations

import hashlib
import time
from collections import OrderedDict
from typing import Optional, Tuple

WINDOW_SECONDS = 300


class Replayed(Exception):
    """The request is stale or reuses a nonce."""


class ReplayGuard:
    def __init__(self, window: float = WINDOW_SECONDS, max_nonces: int = 200_000) -> None:
        self.window = window
        self.max_nonces = max_nonces
        self._nonces: "OrderedDict[str, Tuple[float, str]]" = OrderedDict()

    def check(self, timestamp: str, nonce: str, body: bytes = b"", now: Optional[float] = None) -> None:
        """Raise Replayed unless the request is fresh and its nonce new (or a retry of it)."""
        now = time.time() if now is None else now
        try:
            sent = int(timestamp)
        except (TypeError, ValueError):
            raise Replayed("timestamp is not a number") from None
        if abs(now - sent) > self.window:
            raise Replayed("timestamp outside the 5-minute window")
        if not nonce:
            raise Replayed("no nonce")
        self._forget(now)
        digest = hashlib.sha256(body).hexdigest()
        seen = self._nonces.get(nonce)
        if seen is not None and seen[1] != digest:
            raise Replayed("nonce already used")
        if seen is None:
            self._nonces[nonce] = (now, digest)
            while len(self._nonces) > self.max_nonces:  # a flood cannot grow memory unbounded
                self._nonces.popitem(last=False)

    def _forget(self, now: float) -> None:
        while self._nonces:
            key, (seen_at, _digest) = next(iter(self._nonces.items()))
            if now - seen_at <= 2 * self.window:
                break
            del self._nonces[key]
