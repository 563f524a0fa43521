"""Load test through nginx: N concurrent conversations for a bounded time, then a check that
every user message is in the tracker store, in order.

    python -m bot.devtools.load --url http://127.0.0.1:8000 --conversations 50 --seconds 60 \
        --tracker-db-url postgresql://rasa@127.0.0.1:5433/rasa [--kill-replica-after 20 --kill-pid PID]

Loopback only; every loop is bounded in count and time.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import sys
import time
import uuid
from typing import Dict, List

import aiohttp

from bot.devtools.bench import percentile
from bot.nlu import evaluate

MAX_MESSAGES_PER_CONVERSATION = 200


async def conversation(session, url, sender, texts, deadline, sent, latencies, errors) -> None:
    for turn in range(MAX_MESSAGES_PER_CONVERSATION):
        if time.monotonic() > deadline:
            return
        text = f"{texts[turn % len(texts)]} #{turn}"
        started = time.perf_counter()
        try:
            async with session.post(url, json={"sender": sender, "message": text}) as response:
                if response.status != 200:
                    errors.append(f"{sender}: HTTP {response.status}")
                    await asyncio.sleep(0.5)  # retry the same turn: nothing a user sent is lost
                    continue
                await response.read()
        except (aiohttp.ClientError, asyncio.TimeoutError) as error:
            errors.append(f"{sender}: {error!r}")
            await asyncio.sleep(0.5)
            continue
        latencies.append(time.perf_counter() - started)
        sent.setdefault(sender, []).append(text)


def recorded(tracker_db_url: str, senders: List[str]) -> Dict[str, List[str]]:
    import sqlalchemy as sa

    engine = sa.create_engine(tracker_db_url, future=True)
    found: Dict[str, List[str]] = {s: [] for s in senders}
    with engine.connect() as connection:
        rows = connection.execute(
            sa.text("SELECT sender_id, data FROM events WHERE type_name = 'user' ORDER BY id")
        ).all()
    for row in rows:
        if row.sender_id in found:
            found[row.sender_id].append(json.loads(row.data)["text"])
    return found


async def run(args) -> Dict[str, object]:
    texts = [t for t, _l, _e in evaluate.load_examples("tests/nlu/heldout.yml")]
    url = f"{args.url.rstrip('/')}/webhooks/rest/webhook"
    run_id = uuid.uuid4().hex[:6]
    senders = [f"load-{run_id}-{i}" for i in range(args.conversations)]
    sent: Dict[str, List[str]] = {}
    latencies: List[float] = []
    errors: List[str] = []
    deadline = time.monotonic() + args.seconds
    timeout = aiohttp.ClientTimeout(total=30)
    async with aiohttp.ClientSession(timeout=timeout) as session:
        tasks = [
            conversation(session, url, s, texts[i % 7 :], deadline, sent, latencies, errors)
            for i, s in enumerate(senders)
        ]
        if args.kill_pid:

            async def kill() -> None:
                await asyncio.sleep(args.kill_replica_after)
                os.kill(args.kill_pid, signal.SIGKILL)
                print(f"killed replica pid {args.kill_pid} at {args.kill_replica_after}s", flush=True)

            tasks.append(kill())
        await asyncio.gather(*tasks)
    stored = recorded(args.tracker_db_url, senders)
    lost = {s: [t for t in sent.get(s, []) if t not in stored[s]] for s in senders}
    out_of_order = [s for s in senders if [t for t in stored[s] if t in sent.get(s, [])] != sent.get(s, [])]
    return {
        "conversations": args.conversations,
        "seconds": args.seconds,
        "messages_sent": sum(len(v) for v in sent.values()),
        "messages_recorded": sum(len([t for t in stored[s] if t in sent.get(s, [])]) for s in senders),
        "lost": sum(len(v) for v in lost.values()),
        "out_of_order_conversations": len(out_of_order),
        "errors_retried": len(errors),
        "p50_ms": round(percentile(latencies, 0.5) * 1000, 1) if latencies else None,
        "p95_ms": round(percentile(latencies, 0.95) * 1000, 1) if latencies else None,
        "messages_per_second": round(len(latencies) / args.seconds, 1),
        "first_errors": errors[:5],
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="http://127.0.0.1:8000")
    parser.add_argument("--conversations", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--tracker-db-url", required=True)
    parser.add_argument("--kill-pid", type=int)
    parser.add_argument("--kill-replica-after", type=float, default=20)
    args = parser.parse_args()
    if args.seconds > 600 or args.conversations > 500:
        parser.error("bounded: at most 600 s and 500 conversations")
    result = asyncio.run(run(args))
    print(json.dumps(result, ensure_ascii=False, indent=2))
    return 0 if result["lost"] == 0 and result["out_of_order_conversations"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
