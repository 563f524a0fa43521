"""`make bench`: speed, memory and accuracy of the assistant, printed as one table.

Each simulated visitor asks six questions (held-out texts) and leaves; the next one starts a
new conversation, as on the widget.

Measures, on this machine: training time and peak memory (a fresh `rasa train --force`),
model size, time from `rasa run` to the first REST answer, in-process parse latency,
REST latency one sender at a time, throughput with 10 concurrent senders, the Rasa
server's peak resident memory, and on every evaluation set the accuracy beside the TF-IDF
anchor and what visitors see.
Traffic goes to loopback only; every loop is bounded in count.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from pathlib import Path
from typing import Dict, List, Tuple

import aiohttp

from bot import settings
from bot.devtools.servers import ROOT, VENV_BIN, actions_cmd, rasa_cmd, start, stop, wait_http, web_cmd
from bot.nlu import evaluate

TOKEN = "bench-token"


def percentile(values: List[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def train(out: Path) -> Tuple[float, float, Path]:
    """(seconds, peak MB, model path) of a training from scratch."""
    started = time.perf_counter()
    subprocess.run(
        [
            str(VENV_BIN / "rasa"),
            "train",
            "--config",
            "config.yml",
            "--domain",
            "domain.yml",
            "--data",
            "data",
            "--out",
            str(out),
            "--fixed-model-name",
            "bench",
            "--force",
        ],
        cwd=ROOT,
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=settings.child_env({"RASA_TELEMETRY_ENABLED": "false"}),
    )
    seconds = time.perf_counter() - started
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return seconds, peak_mb, out / "bench.tar.gz"


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


async def say(session: aiohttp.ClientSession, url: str, sender: str, text: str) -> float:
    started = time.perf_counter()
    async with session.post(url, json={"sender": sender, "message": text}) as response:
        response.raise_for_status()
        await response.json()
    return time.perf_counter() - started


TURNS_PER_CONVERSATION = 6  # a visitor asks a handful of questions, then leaves


async def rest_latency(url: str, texts: List[str]) -> List[float]:
    run = uuid.uuid4().hex[:6]
    async with aiohttp.ClientSession() as session:
        return [
            await say(session, url, f"bench-seq-{run}-{i // TURNS_PER_CONVERSATION}", t) for i, t in enumerate(texts)
        ]


async def throughput(url: str, texts: List[str], senders: int) -> Tuple[float, int]:
    """Messages per second with `senders` concurrent conversations; and the error count."""
    errors = 0

    async def sender(session: aiohttp.ClientSession, index: int) -> None:
        nonlocal errors
        run = uuid.uuid4().hex[:6]
        for turn, text in enumerate(texts[index::senders]):
            try:
                await say(session, url, f"bench-{index}-{run}-{turn // TURNS_PER_CONVERSATION}", text)
            except aiohttp.ClientError:
                errors += 1

    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=60)) as session:
        started = time.perf_counter()
        await asyncio.gather(*(sender(session, i) for i in range(senders)))
        return len(texts) / (time.perf_counter() - started), errors


async def parse_latency(model: Path, texts: List[str]) -> List[float]:
    from rasa.core.agent import Agent

    agent = Agent.load(str(model))
    for text in texts[:20]:
        await agent.parse_message(text)
    timings = []
    for text in texts:
        started = time.perf_counter()
        await agent.parse_message(text)
        timings.append(time.perf_counter() - started)
    return timings


def main(argv: List[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="speed, memory and accuracy figures")
    parser.add_argument("--model", default="models/current.tar.gz")
    parser.add_argument("--skip-training", action="store_true")
    parser.add_argument("--messages", type=int, default=400)
    parser.add_argument("--out", default="results/bench.json")
    args = parser.parse_args(argv)

    import logging

    logging.disable(logging.WARNING)
    figures: Dict[str, str] = {}
    model = ROOT / args.model
    examples = evaluate.load_examples(str(ROOT / "tests/nlu/heldout.yml"))
    texts = [text for text, _label, _entities in examples]
    load_texts = (texts * (args.messages // len(texts) + 1))[: args.messages]

    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        if not args.skip_training:
            seconds, peak_mb, _trained = train(work / "models")
            figures["training time"] = f"{seconds:.0f} s"
            figures["training peak memory"] = f"{peak_mb:.0f} MB"
        figures["model size"] = f"{model.stat().st_size / 1024:.0f} KB"

        env = {
            "TRACKER_DB_URL": "",
            "LOCK_STORE_TYPE": "in_memory",
            "REDIS_HOST": "",
            "REDIS_PORT": "6379",
            **settings.child_env(),
            "PYTHONPATH": str(ROOT),
            "RASA_TELEMETRY_ENABLED": "false",
            "ACTION_ENDPOINT_URL": "http://127.0.0.1:25055/webhook",
            "TRACKER_DB": str(work / "tracker.db"),
            "DATA_DIR": str(work / "data"),
            "WEB_URL": "http://127.0.0.1:28080",
            "WEB_PORT": "28080",
            "WEB_ACTIONS_TOKEN": TOKEN,
            # the action server's secret; no per-address limit: every simulated visitor is on loopback
            "ACTION_SERVER_TOKEN": TOKEN,
            "ADDRESS_BURST": "0",
            "STATUS_URL": "",
            "SERVICE_POINTS_URL": "",
            "RASA_URL": "http://127.0.0.1:25005",
            "RASA_AUTH_TOKEN": TOKEN,
        }
        procs = {}
        try:
            procs["web"] = start(web_cmd(), env, work / "web.log")
            procs["actions"] = start(actions_cmd(25055), env, work / "actions.log")
            wait_http("http://127.0.0.1:28080/health", 30, procs["web"])
            wait_http("http://127.0.0.1:25055/health", 60, procs["actions"])
            url = "http://127.0.0.1:25005/webhooks/rest/webhook"
            started = time.perf_counter()
            procs["rasa"] = start(rasa_cmd(model, 25005, TOKEN), env, work / "rasa.log")
            body = json.dumps({"sender": "bench-first", "message": "你好"}).encode()
            while True:
                if procs["rasa"].poll() is not None:
                    raise RuntimeError((work / "rasa.log").read_text()[-2000:])
                try:
                    request = urllib.request.Request(url, data=body, headers={"Content-Type": "application/json"})
                    with urllib.request.urlopen(request, timeout=5) as response:
                        if json.loads(response.read()):
                            break
                except OSError:
                    time.sleep(0.1)
            figures["rasa run → first answer"] = f"{time.perf_counter() - started:.1f} s"

            sequential = asyncio.run(rest_latency(url, load_texts[:200]))
            figures["REST latency p50 / p95 (1 sender)"] = (
                f"{percentile(sequential, 0.5) * 1000:.0f} / {percentile(sequential, 0.95) * 1000:.0f} ms"
            )
            rate, errors = asyncio.run(throughput(url, load_texts, 10))
            figures["throughput, 10 concurrent senders"] = f"{rate:.0f} msg/s ({errors} errors)"
            figures["Rasa server peak resident memory"] = f"{peak_rss_mb(procs['rasa'].pid):.0f} MB"
        finally:
            stop(procs.values())

    timings = asyncio.run(parse_latency(model, texts))
    figures["in-process parse p50 / p95"] = (
        f"{percentile(timings, 0.5) * 1000:.1f} / {percentile(timings, 0.95) * 1000:.1f} ms"
    )
    subprocess.run(
        [sys.executable, "-m", "bot.nlu.evaluate", "--model", str(model), "--out", "results/bench_nlu.json"],
        cwd=ROOT,
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    evaluation = json.loads((ROOT / "results/bench_nlu.json").read_text())
    for name, result in evaluation.items():
        if not isinstance(result, dict):
            continue  # e.g. parse_ms_mean
        figures[f"{name} accuracy (contract ids)"] = (
            f"{result['accuracy']:.3f} on {result['examples']} examples "
            f"(anchor TF-IDF char 1-4 + LR: {result.get('anchor_accuracy', float('nan')):.3f})"
        )
        seen = result["outcomes"]
        figures[f"{name}: right / clarified / can't help / wrong"] = " / ".join(
            f"{seen[k] * 100:.1f} %" for k in ("right", "clarified", "cant_help", "wrong")
        )

    Path(ROOT / args.out).parent.mkdir(parents=True, exist_ok=True)
    (ROOT / args.out).write_text(json.dumps(figures, ensure_ascii=False, indent=2), encoding="utf-8")
    width = max(len(k) for k in figures)
    print(f"\n{'figure'.ljust(width)} | value\n{'-' * width}-|------")
    for key, value in figures.items():
        print(f"{key.ljust(width)} | {value}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
