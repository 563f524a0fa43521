"""A second, automatic signal beside the staff-set status: is the platform reachable?

Operators list probe URLs (e.g. the e-invoice platform's login page) in PROBE_URLS, separated
by commas. The web app checks them every PROBE_INTERVAL_SECONDS (60) in one background task:
one GET per URL with a PROBE_TIMEOUT_SECONDS (5) timeout, no retries (the next round is the
retry), so a dead platform costs one request a minute. The result is shown beside the
official status, labelled as automatic ("自动检测：平台当前可访问，检测于 10:32"); it never changes
the state staff set. When the two disagree (staff say suspended but the platform answers, or
staff say normal but it does not) for PROBE_DISAGREE_SECONDS (300), staff see a flag.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Callable, List, Optional, Sequence

import aiohttp

from bot import settings
from bot.status.phrasing import SHANGHAI

logger = logging.getLogger(__name__)


def probe_urls() -> List[str]:
    urls = list(settings.PROBE_URLS)
    bad = [u for u in urls if not u.startswith(("https://", "http://"))]
    if bad:
        raise ValueError(f"PROBE_URLS: not an http(s) URL: {bad[0]}")
    return urls


@dataclass(frozen=True)
class ProbeResult:
    reachable: bool
    checked_at: datetime
    detail: str  # per URL: "200", "timeout", "connection refused", ...

    def label(self) -> str:
        state = "平台当前可访问" if self.reachable else "平台当前无法访问"
        return f"自动检测：{state}，检测于{self.checked_at.astimezone(SHANGHAI):%H:%M}"


class ProbeMonitor:
    def __init__(
        self,
        urls: Sequence[str],
        official_state: Callable[[], str],
        timeout: float = 5.0,
        interval: float = 60.0,
        disagree_after: float = 300.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.urls = list(urls)
        self.official_state = official_state
        self.timeout = timeout
        self.interval = interval
        self.disagree_after = disagree_after
        self.clock = clock
        self.last: Optional[ProbeResult] = None
        self._disagree_since: Optional[float] = None
        self._disagree_since_at: Optional[datetime] = None

    @classmethod
    def from_settings(cls, official_state: Callable[[], str]) -> "ProbeMonitor":
        return cls(
            probe_urls(),
            official_state,
            timeout=settings.PROBE_TIMEOUT_SECONDS,
            interval=settings.PROBE_INTERVAL_SECONDS,
            disagree_after=settings.PROBE_DISAGREE_SECONDS,
        )

    @property
    def configured(self) -> bool:
        return bool(self.urls)

    async def _check(self, session: aiohttp.ClientSession, url: str) -> str:
        """ "ok" when the URL answers below 500; otherwise what went wrong."""
        try:
            async with session.get(url, allow_redirects=True) as response:
                return "ok" if response.status < 500 else f"HTTP {response.status}"
        except asyncio.TimeoutError:
            return "timeout"
        except aiohttp.ClientError as error:
            return type(error).__name__

    async def check_once(self) -> ProbeResult:
        """One round over every URL; the platform counts as reachable when all of them answer."""
        timeout = aiohttp.ClientTimeout(total=self.timeout)
        async with aiohttp.ClientSession(timeout=timeout) as session:
            outcomes = await asyncio.gather(*(self._check(session, url) for url in self.urls))
        result = ProbeResult(
            reachable=all(o == "ok" for o in outcomes),
            checked_at=datetime.now(timezone.utc).replace(microsecond=0),
            detail="; ".join(f"{u}: {o}" for u, o in zip(self.urls, outcomes, strict=True)),
        )
        self.last = result
        self._track_disagreement(result)
        if not result.reachable:
            logger.info("probe: platform not reachable (%s)", result.detail)
        return result

    def _disagrees(self, result: ProbeResult) -> bool:
        state = self.official_state()
        return (state == "normal" and not result.reachable) or (state == "suspended" and result.reachable)

    def _track_disagreement(self, result: ProbeResult) -> None:
        if self._disagrees(result):
            if self._disagree_since is None:
                self._disagree_since = self.clock()
                self._disagree_since_at = result.checked_at
        else:
            self._disagree_since = None
            self._disagree_since_at = None

    def flagged(self) -> bool:
        """The official status and the probe have disagreed for `disagree_after` seconds."""
        if self.last is None or self._disagree_since is None:
            return False
        if not self._disagrees(self.last):  # staff changed the status since the last round
            return False
        return self.clock() - self._disagree_since >= self.disagree_after

    def public_summary(self) -> Optional[dict]:
        """What visitors see beside the official status (nothing before the first round)."""
        if self.last is None:
            return None
        return {
            "reachable": self.last.reachable,
            "checked_at": self.last.checked_at.isoformat(),
            "label": self.last.label(),
        }

    def staff_summary(self) -> dict:
        """For the console: the result, the URLs' details, and whether to flag a disagreement."""
        return {
            "configured": self.configured,
            "result": self.public_summary(),
            "detail": self.last.detail if self.last else "",
            "official_state": self.official_state(),
            "disagree_since": self._disagree_since_at.isoformat() if self._disagree_since_at else None,
            "flagged": self.flagged(),
            "disagree_after_seconds": self.disagree_after,
        }

    async def run(self) -> None:
        """Check every `interval` seconds until cancelled; a failed round never stops the loop."""
        while True:
            try:
                await self.check_once()
            except Exception:
                logger.exception("probe round failed")
            await asyncio.sleep(self.interval)
