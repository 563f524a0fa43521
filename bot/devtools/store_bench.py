"""What the stores cost a message, alone and beside a busy event loop (`make run-scaled` running).

Each round is one message's store calls, as Rasa makes them: the conversation's lock taken
(bot.lock_store, Redis), its tracker loaded and the turn's four events saved (bot.tracker_store,
PostgreSQL), the lock released; six rounds a conversation. With --busy, another task holds the
event loop in 10 ms slices of CPU meanwhile, as other conversations' NLU and policies do in a
replica under load: a call's time then includes the wait for the loop (and, for a worker
thread's call, for the GIL) to hand its result back. Prints the median and 90th percentile of
each call in milliseconds, as JSON.

    python -m bot.devtools.store_bench --rounds 150 [--busy]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import time
import uuid
from typing import Dict, List

from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, UserUttered
from rasa.utils.endpoints import EndpointConfig

from bot import settings
from bot.lock_store import RetryingRedisLockStore
from bot.tracker_store import RetryingSQLTrackerStore

BUSY_SLICE_SECONDS = 0.010


async def rounds(count: int, busy: bool) -> Dict[str, Dict[str, float]]:
    domain = Domain.load("domain.yml")
    trackers = RetryingSQLTrackerStore(
        domain=domain, dialect="postgresql", host="127.0.0.1", port=settings.SCALED_PG_PORT, db="rasa", username="rasa"
    )
    locks = RetryingRedisLockStore(EndpointConfig(url="127.0.0.1", port=settings.SCALED_REDIS_PORT, type="redis"))
    stopping = False

    async def hog() -> None:
        while not stopping:
            began = time.perf_counter()
            while time.perf_counter() - began < BUSY_SLICE_SECONDS:
                pass
            await asyncio.sleep(0)

    other = asyncio.ensure_future(hog()) if busy else None
    times: Dict[str, List[float]] = {"lock": [], "load": [], "save": [], "release": [], "message": []}
    sender = ""
    for n in range(count):
        if n % 6 == 0:
            sender = f"store-bench-{uuid.uuid4().hex[:8]}"
        t0 = time.perf_counter()
        lock = locks.lock(sender)
        await lock.__aenter__()
        t1 = time.perf_counter()
        tracker = await trackers.get_or_create_tracker(sender)
        t2 = time.perf_counter()
        for event in (
            UserUttered("为什么暂停开票", {"name": "why_suspended", "confidence": 0.9}),
            ActionExecuted("utter_why_suspended"),
            BotUttered("据相关应急指南……"),
            ActionExecuted("action_listen"),
        ):
            tracker.update(event)
        await trackers.save(tracker)
        t3 = time.perf_counter()
        await lock.__aexit__(None, None, None)
        t4 = time.perf_counter()
        for name, seconds in zip(times, (t1 - t0, t2 - t1, t3 - t2, t4 - t3, t4 - t0), strict=True):
            times[name].append(1000 * seconds)
    stopping = True
    if other is not None:
        await other
    trackers.engine.dispose()
    return {
        name: {"p50_ms": round(statistics.median(v), 2), "p90_ms": round(sorted(v)[int(0.9 * len(v))], 2)}
        for name, v in times.items()
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=150)
    parser.add_argument("--busy", action="store_true", help="another task holds the loop in 10 ms slices")
    args = parser.parse_args()
    print(json.dumps({"busy": args.busy, "rounds": args.rounds, **asyncio.run(rounds(args.rounds, args.busy))}))


if __name__ == "__main__":
    main()
