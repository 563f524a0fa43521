"""Console login throttle: failed attempts per account and per client address.

After `per_account` failures on one account (or `per_address` from one address) within
`window` seconds, further attempts are refused (429 with Retry-After) until the oldest failure
leaves the window, even with the right password; a successful login clears the account's count.
The check comes before the password hash, so a flood also costs no scrypt work.
"""

from __future__ import annotations

import time
from collections import OrderedDict, deque
from typing import Deque, Optional


class _Failures:
    def __init__(self, limit: int, window: float, max_keys: int = 10_000) -> None:
        self.limit, self.window, self.max_keys = limit, window, max_keys
        self._times: "OrderedDict[str, Deque[float]]" = OrderedDict()

    def _recent(self, key: str, now: float) -> Deque[float]:
        times = self._times.get(key) or deque()
        while times and times[0] <= now - self.window:
            times.popleft()
        return times

    def retry_after(self, key: str, now: float) -> int:
        times = self._recent(key, now)
        if len(times) < self.limit:
            return 0
        return max(1, int(times[0] + self.window - now + 0.999))

    def add(self, key: str, now: float) -> None:
        times = self._recent(key, now)
        times.append(now)
        self._times[key] = times
        self._times.move_to_end(key)
        while len(self._times) > self.max_keys:
            self._times.popitem(last=False)

    def clear(self, key: str) -> None:
        self._times.pop(key, None)


class LoginThrottle:
    def __init__(self, per_account: int = 5, per_address: int = 20, window: float = 300.0) -> None:
        self.accounts = _Failures(per_account, window)
        self.addresses = _Failures(per_address, window)

    @staticmethod
    def _account(name: str) -> str:
        return name.strip().lower()

    def retry_after(self, name: str, address: str, now: Optional[float] = None) -> int:
        """Seconds to wait before this attempt may be tried (0: go ahead)."""
        now = time.monotonic() if now is None else now
        return max(self.accounts.retry_after(self._account(name), now), self.addresses.retry_after(address, now))

    def failed(self, name: str, address: str, now: Optional[float] = None) -> None:
        now = time.monotonic() if now is None else now
        self.accounts.add(self._account(name), now)
        self.addresses.add(address, now)

    def succeeded(self, name: str) -> None:
        self.accounts.clear(self._account(name))
