"""The load generator keeps to its Poisson schedule when its own event loop is busy
(bot/devtools/load.py: OpenLoop.arrive): a sleep after each arrival drifted, so the visitors
came 8-16 % slower than the rate offered exactly when the stack under test was busiest."""

from __future__ import annotations

import asyncio
import random
import time
from typing import Any, List

from bot.devtools import load
from bot.devtools.load import OpenLoop, WeChatAccount, arrival_figures

RATE, SECONDS = 40.0, 3.0
# Tencent's published WXBizMsgCrypt sample account (as tests/conftest.py)
WECHAT = WeChatAccount("QDG6eK", "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C", "wx5823bf96d3bd56c7")


def test_arrivals_keep_to_the_schedule_under_a_busy_loop(monkeypatch) -> None:
    monkeypatch.setattr(load, "evaluation_questions", lambda: [f"q{n}" for n in range(20)])
    visits: List[float] = []

    async def visit(self: Any, channel: str, sender: str, questions: List[str], gaps: List[float]) -> None:
        visits.append(time.monotonic())

    monkeypatch.setattr(OpenLoop, "visit", visit)

    async def busy() -> None:  # the generator's own work: 10 ms of CPU every 20 ms
        while True:
            started = time.perf_counter()
            while time.perf_counter() - started < 0.010:
                pass
            await asyncio.sleep(0.010)

    async def run() -> OpenLoop:
        async with OpenLoop("http://127.0.0.1:9", WECHAT, "schedule", seed=7) as loop:
            spinners = [asyncio.ensure_future(busy()) for _ in range(2)]
            await loop.arrive(RATE, SECONDS)
            for spinner in spinners:
                spinner.cancel()
        return loop

    generator = asyncio.run(run())
    # the same draws as the schedule: arrivals, then each visitor's channel, questions and gaps
    draw, at, due = random.Random(7), 0.0, []
    while True:
        at += draw.expovariate(RATE)
        if at >= SECONDS:
            break
        due.append(at)
        draw.random()
        draw.sample([f"q{n}" for n in range(20)], load.QUESTIONS_PER_VISITOR)
        [draw.uniform(*load.READING_SECONDS) for _ in range(load.QUESTIONS_PER_VISITOR)]
    assert len(generator.visitors) == len(due) == len(generator.arrivals)
    figures = arrival_figures(generator.arrivals, 0.0, time.time() + 1)
    assert figures["late_max_ms"] < 100  # each at most a slice of the busy loop late, never adding up


def test_arrival_figures_count_the_window_only() -> None:
    arrivals = [(10.0, 0.001), (10.5, 0.002), (11.0, 0.050), (12.5, 0.0)]
    figures = arrival_figures(arrivals, 10.0, 12.0)
    assert figures["visitors_per_s"] == 1.5
    assert figures["late_max_ms"] == 50.0
