"""CPU milliseconds per message, per process; and one sender's latency under `make run`.

Why: on a shared machine wall-clock throughput moves with whatever else runs, but the CPU
time each process spends per message hardly does, and it is what bounds the throughput of
two cores. Two set-ups, each over a fixed number of messages, loopback only:

  scaled  `scripts/run-scaled.sh --background` (PostgreSQL, Redis, Rasa replicas, action
          server, web app, nginx); visitors through nginx as in `make test-scale`
          (bot/devtools/load.py: REST, socket.io, WeChat 40/40/20) at a steady modest rate;
          CPU seconds of every process (from /proc, children included for nginx and
          PostgreSQL) over the run, divided by the answered messages. `--profile` adds a
          py-spy profile of the first replica, summarized as in test-scale.
  single  `make run`'s set-up (SQLite tracker store, in-memory locks, live status feed from
          the web app) on this worktree's own ports: one REST sender, six questions a
          conversation, p50/p95/p99, and CPU per message of each process.

    .venv/bin/python -m bot.devtools.cost single --messages 300
    .venv/bin/python -m bot.devtools.cost scaled --rate 12 --seconds 60 [--replicas 1] [--profile]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from pathlib import Path
from typing import Dict, List

from bot import settings
from bot.devtools.load import percentile
from bot.devtools.servers import ROOT, actions_cmd, proc_cpu_seconds, rasa_cmd, start, stop, wait_http, web_cmd

TOKEN = "cost-token"
EMPTY: List[str] = []  # messages answered with nothing (reported)


def per_message(before: Dict[str, float], after: Dict[str, float], messages: int) -> Dict[str, float]:
    table = {k: round(1000 * (after[k] - before.get(k, 0.0)) / messages, 2) for k in after}
    table["total"] = round(sum(table.values()), 2)
    return table


def _say(url: str, sender: str, text: str) -> float:
    body = json.dumps({"sender": sender, "message": text}).encode()
    request = urllib.request.Request(url, data=body, headers={"Content-Type": "application/json"})
    began = time.perf_counter()
    with urllib.request.urlopen(request, timeout=30) as response:
        if not json.loads(response.read()):
            EMPTY.append(text)
    return time.perf_counter() - began


def wait_for_answer(url: str, seconds: float) -> None:
    """Rasa answers HTTP before its model is loaded (and then answers nothing)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            _say(url, "cost-ready", "你好")
            if not EMPTY:
                return
            EMPTY.clear()
        except OSError:
            pass
        time.sleep(0.5)
    raise RuntimeError(f"{url}: no answer in {seconds} s")


def questions() -> List[str]:
    from bot.nlu import evaluate

    return [t for t, _label, _e in evaluate.load_examples(str(ROOT / "tests/nlu/heldout.yml")) if t]


# -- make run, one sender ----------------------------------------------------------------------


def single(messages: int, model: Path, base_port: int, profile: str = "") -> Dict[str, object]:
    rasa_port, actions_port, web_port = base_port, base_port + 50, base_port + 75
    texts = questions()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        env = {
            # what credentials.yml reads (the Makefile's defaults: channels not configured)
            **{f"WECHAT_{k}": "" for k in ("TOKEN", "APP_ID", "APP_SECRET", "ENCODING_AES_KEY")},
            **{f"WECOM_{k}": "" for k in ("CORP_ID", "KF_SECRET", "TOKEN", "ENCODING_AES_KEY", "OPEN_KFID")},
            "WECOM_SERVICER_USERID": "",
            "WECHAT_API_BASE": "https://api.weixin.qq.com",
            "WECHAT_KF_TRANSFER": "false",
            "WECOM_API_BASE": "https://qyapi.weixin.qq.com",
            **settings.child_env(),
            "TRACKER_DB_URL": "",
            "LOCK_STORE_TYPE": "in_memory",
            "REDIS_HOST": "",
            "REDIS_PORT": "6379",
            "PYTHONPATH": str(ROOT),
            "RASA_TELEMETRY_ENABLED": "false",
            "ACTION_ENDPOINT_URL": f"http://127.0.0.1:{actions_port}/webhook",
            "ACTION_SERVER_TOKEN": TOKEN,
            "TRACKER_DB": str(work / "tracker.db"),
            "DATA_DIR": str(work / "data"),
            "WEB_PORT": str(web_port),
            "WEB_URL": f"http://127.0.0.1:{web_port}",
            "WEB_ACTIONS_TOKEN": TOKEN,
            "STATUS_URL": f"http://127.0.0.1:{web_port}/api/status",  # as `make run`: the live feed
            "SERVICE_POINTS_URL": f"http://127.0.0.1:{web_port}/api/service-points",
            "RASA_URL": f"http://127.0.0.1:{rasa_port}",
            "RASA_AUTH_TOKEN": TOKEN,
            "STAFF_TOKEN": TOKEN,
            "ADDRESS_BURST": "0",
        }
        procs = {}
        try:
            procs["web"] = start(web_cmd(), env, work / "web.log")
            procs["actions"] = start(actions_cmd(actions_port), env, work / "actions.log")
            procs["rasa"] = start(rasa_cmd(model, rasa_port, TOKEN), env, work / "rasa.log")
            wait_http(f"http://127.0.0.1:{web_port}/health", 60, procs["web"], work / "web.log")
            wait_http(f"http://127.0.0.1:{actions_port}/health", 60, procs["actions"], work / "actions.log")
            wait_http(f"http://127.0.0.1:{rasa_port}/", 240, procs["rasa"], work / "rasa.log")
            url = f"http://127.0.0.1:{rasa_port}/webhooks/rest/webhook"
            try:
                wait_for_answer(url, 120)
            except RuntimeError:
                log = (work / "rasa.log").read_text().splitlines()
                print("\n".join(line for line in log if "no agent" not in line)[-6000:])
                raise
            run = uuid.uuid4().hex[:6]
            for i, text in enumerate(texts[:30]):  # warm-up: lazy loads, caches
                _say(url, f"warm-{run}-{i // 6}", text)
            pids = {name: [proc.pid] for name, proc in procs.items()}
            pids["load generator"] = [os.getpid()]
            spy = None
            if profile:  # py-spy, raw stacks of the Rasa process while the messages run
                spy = subprocess.Popen(
                    [str(Path(sys.executable).parent / "py-spy"), "record", "--pid", str(procs["rasa"].pid)]
                    + ["--rate", "200", "--gil", "--format", "raw", "--output", profile, "--nonblocking"],
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )
                time.sleep(1)
            before = {k: proc_cpu_seconds(v) for k, v in pids.items()}
            timings = [_say(url, f"cost-{run}-{i // 6}", texts[i % len(texts)]) for i in range(messages)]
            after = {k: proc_cpu_seconds(v) for k, v in pids.items()}
            if spy:
                spy.send_signal(signal.SIGINT)
                spy.wait(timeout=60)
            if EMPTY:
                print((work / "rasa.log").read_text()[-3000:])
        finally:
            stop(procs.values())
    return {
        "set-up": "make run (SQLite, in-memory locks), one REST sender",
        "messages": messages,
        "empty_answers": len(EMPTY),
        "p50_ms": round(1000 * statistics.median(timings), 1),
        "p95_ms": round(1000 * (percentile(timings, 0.95) or 0), 1),
        "p99_ms": round(1000 * (percentile(timings, 0.99) or 0), 1),
        "cpu_ms_per_message": per_message(before, after, messages),
    }


# -- the scaled set-up, open-loop --------------------------------------------------------------


def scaled(rate: float, seconds: float, replicas: int, profile: bool, keep: bool) -> Dict[str, object]:
    from bot.devtools import scale_test as st
    from bot.devtools.load import QUESTIONS_PER_VISITOR, OpenLoop

    env = settings.child_env(
        {
            "RASA_AUTH_TOKEN": st.RASA_TOKEN,
            "STAFF_TOKEN": "scale-test-staff",
            "WECHAT_TOKEN": st.WECHAT.token,
            "WECHAT_ENCODING_AES_KEY": st.WECHAT.aes_key,
            "WECHAT_APP_ID": st.WECHAT.app_id,
            "WECHAT_APP_SECRET": "scale-test-secret",
            "WECHAT_API_BASE": "http://127.0.0.1:9",
            "LOG_FORMAT": "json",
        }
    )
    st.RESULTS.mkdir(exist_ok=True)
    subprocess.run([str(ROOT / "scripts" / "stop-scaled.sh")], check=False)
    subprocess.run([str(ROOT / "scripts" / "run-scaled.sh"), "--background"], check=True, env=env, cwd=ROOT)
    try:
        for port in st.RASA_PORTS:
            for text in ("你好", "为什么暂停开票", "什么时候恢复开票"):
                st.rest(f"http://127.0.0.1:{port}/webhooks/rest/webhook", f"warmup-{port}", text)
        st.use_replicas(replicas)
        idle_before, idle_at = st.cpu_seconds(), time.monotonic()
        time.sleep(10)
        idle = {
            k: round(100 * (v - idle_before.get(k, 0.0)) / (time.monotonic() - idle_at), 2)
            for k, v in st.cpu_seconds().items()
        }

        async def drive() -> OpenLoop:
            async with OpenLoop(st.NGINX, st.WECHAT, "cost") as load:
                await load.arrive(rate / QUESTIONS_PER_VISITOR, seconds)
                await load.finish(60)
            return load

        profiles = st.start_profiles(int(seconds)) if profile else {}
        before, began = st.cpu_seconds(), time.monotonic()
        load = asyncio.run(drive())
        after, elapsed = st.cpu_seconds(), time.monotonic() - began
        for proc in profiles.values():
            proc.wait(timeout=120)
        answered = [m.latency for m in load.messages if m.latency is not None]
        errors = sum(1 for m in load.messages if m.error)
        return {
            "set-up": f"run-scaled, {replicas} replica(s) routed, open loop at {rate} msg/s for {seconds} s",
            "sent": len(load.messages),
            "answered": len(answered),
            "errors": errors,
            "p50_ms": round(1000 * statistics.median(answered), 1) if answered else None,
            "p95_ms": round(1000 * (percentile(answered, 0.95) or 0), 1),
            "elapsed_s": round(elapsed, 1),
            "idle_cpu_pct_of_one_core": idle,
            "cpu_ms_per_message": per_message(before, after, max(1, len(answered))),
            "profiles": {
                name: st.summarize_profile(st.RESULTS / "profiles" / f"{name.replace(':', '-')}.txt")
                for name in profiles
            },
        }
    finally:
        if not keep:
            subprocess.run([str(ROOT / "scripts" / "stop-scaled.sh")], check=False)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="mode", required=True)
    one = sub.add_parser("single")
    one.add_argument("--messages", type=int, default=300)
    one.add_argument("--model", default="models/current.tar.gz")
    one.add_argument("--profile", default="", help="write py-spy's raw stacks of the Rasa process here")
    one.add_argument("--base-port", type=int, default=int(os.environ.get("TEST_RASA_PORT", "16505")))
    many = sub.add_parser("scaled")
    many.add_argument("--rate", type=float, default=12.0)
    many.add_argument("--seconds", type=float, default=60.0)
    many.add_argument("--replicas", type=int, default=2)
    many.add_argument("--profile", action="store_true")
    many.add_argument("--keep", action="store_true", help="leave the set-up running")
    parser.add_argument("--out", default="")
    args = parser.parse_args()
    if args.mode == "single":
        figures = single(min(args.messages, 2000), ROOT / args.model, args.base_port, args.profile)
    else:
        figures = scaled(args.rate, min(args.seconds, 300), args.replicas, args.profile, args.keep)
    text = json.dumps(figures, ensure_ascii=False, indent=2)
    print(text)
    if args.out:
        Path(args.out).write_text(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
