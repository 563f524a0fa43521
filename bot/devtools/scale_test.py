"""`make test-scale`: the scaled set-up under open-loop load and faults, with nothing lost.

Starts `scripts/run-scaled.sh --background` (PostgreSQL, Redis, two Rasa replicas, the action
server, the web app, nginx, and the stock-Rasa anchor's Rasa server), then, all on loopback and
bounded in count and time (the whole run stays under 15 minutes):
  1. open-loop load (bot/devtools/load.py: Poisson arrivals, six questions each, REST,
     socket.io and WeChat 40/40/20) through nginx, in three phases taken the same way: one
     replica (the others marked down in nginx), the stock-Rasa anchor (the DIET pipeline of
     tests/pipelines/diet.yml on the same domain and dialogue data, trained by `make anchor`
     with 3 epochs instead of 100: its serving cost is measured, not its accuracy; one more
     Rasa server behind the same nginx, PostgreSQL, Redis and action server), two replicas. Each phase
     first warms each of its Rasa servers alone on every channel, then climbs the same ladder of
     rates (next_rate: 6, 12, 24, 36 ... msg/s while within the limit, then from the last rate within
     it up by 4; each step as long) until a rate passes p95 300 ms or has errors twice (both
     attempts are reported): sustained msg/s, p50/p95/p99, each replica's share, CPU of every
     process (and its CPU milliseconds per answered message), how the messages were understood,
     py-spy profiles of each Python process at the highest step within the limit and at the
     first step over it (every step's window is profiled alike), and every answered message in the
     tracker store, once, in order; the scaling ratio and the ratios to the anchor;
  2. a staff reply, a restoration notice and a hand-off release sent through one replica
     reach a widget (headless Chromium) connected to the other within 2 s (tests/scale/);
  3. a conversation of 300 turns answers its next message about as fast as a new one;
  4. faults under load: PostgreSQL restarted, Redis restarted (locks lost), a replica
     killed; then the action server stopped;
  5. the public surface: Rasa's API not published, big bodies 413, bursts 429.
Writes results/scale.json and exits non-zero on any failed check. The goals (60 msg/s at
p95 <= 300 ms with two replicas; a ratio of 1.5 between two replicas and one) are reported,
not enforced: the figures depend on the machine.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import resource
import signal
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections import Counter
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple
from typing import Counter as CounterType

from bot import settings
from bot.devtools.load import (
    QUESTIONS_PER_VISITOR,
    OpenLoop,
    WeChatAccount,
    Window,
    arrival_figures,
    cpu_share,
    integrity,
    recorded,
    replica_shares,
    window_figures,
)
from bot.devtools.servers import proc_cpu_seconds

ROOT = Path(__file__).resolve().parents[2]
SCALED = ROOT / "var" / "scaled"
RESULTS = ROOT / "results"
NGINX_PORT = settings.SCALED_NGINX_PORT
NGINX = f"http://127.0.0.1:{NGINX_PORT}"
PG_PORT = settings.SCALED_PG_PORT
REDIS_PORT = settings.SCALED_REDIS_PORT
RASA_PORTS = list(settings.SCALED_RASA_PORTS)
# the stock-Rasa anchor: the DIET pipeline of tests/pipelines/diet.yml with the same domain and
# dialogue data (`make test-scale` trains it once per change of the data: Makefile, ANCHOR),
# served the same way (a Rasa server behind nginx, PostgreSQL, Redis, the action server)
# (`make anchor`: the pipeline unchanged but for its epochs, 100 -> 3: what is measured is what a
# message costs to serve, which does not depend on the epochs; its accuracy is not measured)
ANCHOR_MODEL = Path(os.environ.get("ANCHOR_MODEL") or ROOT / "models" / "anchor-diet-3ep.tar.gz")
ANCHOR_PORT = settings.int_setting("ANCHOR_PORT", 5008)
TRACKER_URL = f"postgresql://rasa@127.0.0.1:{PG_PORT}/rasa"
RASA_TOKEN = "scale-test-token"
# Tencent's published WXBizMsgCrypt sample account (as tests/conftest.py)
WECHAT = WeChatAccount("QDG6eK", "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C", "wx5823bf96d3bd56c7")

BUDGET_SECONDS = 14 * 60 + 20
STEP_SECONDS = settings.SCALE_STEP_SECONDS  # arrivals at one rate
SETTLE_SECONDS = settings.SCALE_SETTLE_SECONDS  # then figures from the rest
P95_LIMIT_MS = 300.0
# msg/s offered (visitors/s x 6): one ladder for every set-up (one replica, two, the anchor), so
# that their figures are taken the same way: the same warm-up, steps and step length
# (next_rate) up from FIRST_RATE (6, 12, 24, 36 ...) while within the limit, then from the last
# rate within it by FINE_STEP; a rate over the limit is tried once more before it ends the search
FIRST_RATE, COARSE_STEP, FINE_STEP, MAX_RATE = 6.0, 12.0, 4.0, 150.0
ATTEMPTS = 2
# after the first step the ladder jumps to this share of the most the set-up could serve by the
# first step's CPU per message on the cores it could have (calibrated_start): every phase used to
# run out of time climbing; a jump too far leaves a backlog that spoils the next step too
CALIBRATION_SHARE = 0.7
# a visitor's six questions span ~30 s: a phase's first step starts from no visitors, so its
# arrivals begin this much earlier (else its window would see the load still building up)
LEAD_IN_SECONDS = 12
RECOVERY_SECONDS = 10
# the time left for load (after the start-up, less what the checks after it need, ~200 s) is
# shared by the phases in these proportions (what one phase leaves unused goes to the next), so
# that the whole run stays under BUDGET_SECONDS whatever the start-up took. One replica gets
# nearly as much as two: at 4 : 3 : 7 it passed 30 msg/s when its time ran out, and the ratio
# of a phase cut short means nothing; the anchor needs ~100 s (6, 12 over the limit, 10: with
# their lead-ins), which 3 of 16 did not leave it
PHASE_WEIGHTS = {"one-replica": 6, "anchor": 4, "two-replicas": 7}
AFTER_LOAD_SECONDS = 200
WARM_UP_SECONDS = 15  # what warming one Rasa server takes (kept for the phases to come)
FAULT_RATE = 15.0
FAULT_NAMES = {
    "pg-restart": "PostgreSQL restarted",
    "redis-restart": "Redis restarted (locks lost)",
    "replica-killed": "a replica killed",
}
GOAL_MSG_PER_S = 60.0
LONG_TURNS = 300

started_at = time.monotonic()
failures: List[str] = []
passes: List[str] = []


def check(condition: bool, what: str) -> bool:
    print(("  ok    " if condition else "  FAIL  ") + what, flush=True)
    (passes if condition else failures).append(what)
    return condition


def intact(fault_result: Dict[str, Any]) -> bool:
    """Every message of a fault run stored once, each conversation in order."""
    return (
        fault_result["lost"] == 0
        and fault_result["duplicated"] == 0
        and fault_result["out_of_order_conversations"] == 0
    )


def remaining() -> float:
    return BUDGET_SECONDS - (time.monotonic() - started_at)


# -- the processes ------------------------------------------------------------------------------


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_text(errors="ignore")
    except (FileNotFoundError, ProcessLookupError):
        return ""


def _children() -> Dict[int, List[int]]:
    children: Dict[int, List[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (FileNotFoundError, ProcessLookupError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(entry.name))
    return children


def started_pids() -> List[int]:
    return [int(line) for line in (SCALED / "pids").read_text().split()]


def processes() -> Dict[str, List[int]]:
    """Each process of the set-up (with its children: nginx and PostgreSQL workers)."""
    groups: Dict[str, List[int]] = {}
    children = _children()
    for pid in started_pids():
        cmd = _cmdline(pid)
        if not cmd:
            continue
        port = re.search(r"--port\x00(\d+)", cmd)
        if "rasa\x00run\x00--model" in cmd and port:
            groups[f"rasa:{port.group(1)}"] = [pid]
        elif "run\x00actions" in cmd or "bot.action_server" in cmd:
            groups["actions"] = [pid]
        elif "bot.web.app" in cmd:
            groups["web"] = [pid]
        elif cmd.startswith("redis-server") or "redis-server" in cmd.split("\x00")[0]:
            groups["redis"] = [pid]
        elif cmd.startswith("nginx"):
            groups["nginx"] = [pid] + children.get(pid, [])
    pg_pid = SCALED / "pg" / "postmaster.pid"
    if pg_pid.exists():
        postmaster = int(pg_pid.read_text().split()[0])
        groups["postgres"] = [postmaster] + children.get(postmaster, [])
    groups["load generator"] = [os.getpid()]
    return groups


def cpu_seconds() -> Dict[str, float]:
    return {name: proc_cpu_seconds(pids) for name, pids in processes().items()}


def nginx(*args: str) -> None:
    subprocess.run(
        ["nginx", "-c", str(SCALED / "nginx" / "nginx.conf"), "-p", str(SCALED / "nginx"), *args],
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def use_replicas(count: int) -> None:
    """Route to the first `count` replicas only (the others, and the anchor, marked down in nginx)."""
    route_to(RASA_PORTS[:count])


def route_to(ports: Sequence[int]) -> None:
    """Route to these Rasa servers only (every other one marked down in nginx)."""
    conf = SCALED / "nginx" / "nginx.conf"
    text = conf.read_text()
    for port in [*RASA_PORTS, ANCHOR_PORT]:
        up, down = f"server 127.0.0.1:{port} max_fails=1 fail_timeout=5s;", f"server 127.0.0.1:{port} down;"
        text = text.replace(down, up) if port in ports else text.replace(up, down)
    conf.write_text(text)
    nginx("-s", "reload")
    time.sleep(1.5)


def pg(*command: str) -> None:
    pg_bin = sorted(Path("/usr/lib/postgresql").glob("*/bin"))[-1]
    subprocess.run(
        ["runuser", "-u", "postgres", "--", str(pg_bin / "pg_ctl"), "-D", str(SCALED / "pg"), *command],
        check=True,
        stdout=subprocess.DEVNULL,
    )


def restart_redis() -> None:
    """Stop Redis (its locks are gone: no persistence) and start a new one on the same port."""
    pids = started_pids()
    old = [pid for pid in pids if "redis-server" in _cmdline(pid)]
    subprocess.run(
        ["redis-cli", "-p", str(REDIS_PORT), "shutdown", "nosave"],
        check=False,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        timeout=10,
    )
    time.sleep(1.0)  # down for a moment
    log = (SCALED / "logs" / "redis.log").open("a")
    new = subprocess.Popen(
        [
            "redis-server",
            "--port",
            str(REDIS_PORT),
            "--bind",
            "127.0.0.1",
            "--dir",
            str(SCALED / "redis"),
            "--save",
            "",
            "--appendonly",
            "no",
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    kept = [p for p in pids if p not in old] + [new.pid]
    (SCALED / "pids").write_text("\n".join(map(str, kept)) + "\n")


# -- profiles -----------------------------------------------------------------------------------

# a sample is put in the category of its innermost matching frame (leaf first)
CATEGORIES = {
    "JSON schema checks": ("jsonschema/",),
    "SQL driver / SQLAlchemy": ("sqlalchemy/", "psycopg2"),
    "Redis client": ("redis/",),
    "NLU pipeline": ("rasa/nlu/", "bot/nlu/", "sklearn/", "jieba/", "scipy/"),
    "policies and featurizers": (
        "rasa/core/policies/",
        "bot/policies/",
        "rasa/core/featurizers/",
        "rasa/shared/core/generator.py",
    ),
    "tracker (events, states, serialization)": (
        "rasa/shared/core/trackers.py",
        "rasa/shared/core/events.py",
        "rasa/shared/core/slots.py",
        "rasa/shared/core/domain.py",
    ),
    "tracker store": ("bot/tracker_store.py", "rasa/core/tracker_store.py"),
    "lock store": ("rasa/core/lock_store.py", "bot/lock_store.py", "rasa/core/lock.py"),
    "action server call": ("rasa/core/actions/action.py", "rasa/utils/endpoints.py"),
    "Rasa processor / NLG": (
        "rasa/core/processor.py",
        "rasa/core/nlg/",
        "rasa/core/agent.py",
        "rasa/engine/",
        "rasa/core/channels/",
    ),
    "WeChat crypto / XML": ("bot/wechat/", "bot/channels/wechat.py", "Crypto", "cryptography/"),
    "socket.io / engine.io": ("socketio/", "engineio/"),
    "HTTP (sanic, aiohttp, websockets)": ("sanic/", "aiohttp/", "websockets/", "httptools", "multidict"),
    "rasa_sdk actions": ("rasa_sdk/", "/actions/", "bot/"),
    "JSON encode / decode": ("json/", "ujson"),
    "asyncio / logging": ("asyncio/", "logging/", "structlog/"),
}
IDLE_LEAVES = (
    "serve (sanic/server/runners.py",
    "_worker (concurrent/futures/thread.py",
    "select (selectors.py",
    "run_forever (asyncio/base_events.py",
    "_run_once (asyncio/base_events.py",
    "poll (",
    "wait (threading.py",
    "sleep (",
)


def profile_path(name: str, label: str = "") -> Path:
    return RESULTS / "profiles" / f"{label + '-' if label else ''}{name.replace(':', '-')}.txt"


def start_profiles(seconds: int, label: str = "", ports: Optional[Sequence[int]] = None) -> Dict[str, subprocess.Popen]:
    """py-spy on each Python server (on the Rasa servers of `ports` only, when given)."""
    spy = Path(sys.executable).parent / "py-spy"
    if not spy.exists():
        return {}
    (RESULTS / "profiles").mkdir(parents=True, exist_ok=True)
    running = {}
    for name, pids in processes().items():
        if ports is not None and name.startswith("rasa:") and int(name.split(":")[1]) not in ports:
            continue
        if name.startswith(("rasa", "actions", "web")):
            path = profile_path(name, label)
            running[name] = subprocess.Popen(
                [
                    str(spy),
                    "record",
                    "--pid",
                    str(pids[0]),
                    "--duration",
                    str(seconds),
                    "--rate",
                    "100",
                    "--nonblocking",
                    "--gil",  # samples of the thread holding the GIL: where the CPU goes, not the waits
                    "--format",
                    "raw",
                    "--output",
                    str(path),
                ],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
    return running


def summarize_profile(path: Path) -> Dict[str, Any]:
    """Where the busy samples went: each in the category of its innermost known frame."""
    busy = 0
    categories: CounterType[str] = Counter()
    leaves: CounterType[str] = Counter()
    for line in path.read_text(errors="ignore").splitlines() if path.exists() else []:
        stack, _, count = line.rpartition(" ")
        if not count.isdigit():
            continue
        frames = [re.sub(r" \(.*?site-packages/", " (", f) for f in stack.split(";")]
        if frames[-1].startswith(IDLE_LEAVES):
            continue
        samples = int(count)
        busy += samples
        leaves[frames[-1]] += samples
        category = next(
            (c for f in reversed(frames) for c, needles in CATEGORIES.items() if any(n in f for n in needles)), "other"
        )
        categories[category] += samples
    if not busy:
        return {}
    return {
        "busy_samples": busy,
        "share_pct": {k: round(100 * v / busy, 1) for k, v in categories.most_common()},
        "top_leaf_functions_pct": {k: round(100 * v / busy, 1) for k, v in leaves.most_common(5)},
    }


# -- load phases --------------------------------------------------------------------------------


async def warm_up(label: str) -> Dict[str, Any]:
    """Two passes of visitors on every channel at once (bot/devtools/load.py: OpenLoop.warm)."""
    passes = []
    for _ in range(2):
        async with OpenLoop(NGINX, WECHAT, f"warmup-{label}") as load:
            await load.warm(per_channel=2)
        figures = window_figures(load.messages, Window(0.0, time.time() + 1), time.time())
        passes.append({k: figures[k] for k in ("sent", "answered", "p50_ms", "p95_ms", "errors")})
    return {"passes": passes}


def warm(ports: Sequence[int]) -> Dict[str, Any]:
    """Each Rasa server of a phase warmed alone (nginx routes to it only), then all routed to."""
    figures = {}
    for port in ports:
        route_to([port])
        figures[str(port)] = asyncio.run(warm_up(str(port)))
    route_to(ports)
    print(
        "  warm-up (second pass, p95 ms): "
        + ", ".join(f":{port} {f['passes'][-1]['p95_ms']}" for port, f in figures.items()),
        flush=True,
    )
    return figures


def next_rate(rate: float, passed: bool, attempt: int, state: Dict[str, Any]) -> Optional[Tuple[float, int]]:
    """The ladder: the next (rate, attempt) after an attempt at `rate`, or None when the search ends.

    Up (doubling, then by COARSE_STEP) while the steps pass, jumping straight to `state["start"]`
    when a calibration set one (calibrated_start: the first step's CPU per message says where
    the limit lies); at a step over the limit, halfway back towards the last rate within it
    while that is more than COARSE_STEP below, then from the last rate within it up by
    FINE_STEP (the limit is found to FINE_STEP msg/s), each rate tried up to ATTEMPTS times:
    the search ends at a rate over the limit ATTEMPTS times (its coarse attempt counts). Fewer
    steps far below the limit, more near it."""
    failed: Dict[float, int] = state.setdefault("failed", {})
    if passed:
        state["last_pass"] = rate
        if state.get("fine"):
            step = FINE_STEP
        else:
            # coarse: doubled up to COARSE_STEP (6, 12, 24: a slow set-up's limit is not jumped over)
            step = max(min(rate, COARSE_STEP), (state.get("start") or 0) - rate)
            if failed and rate + step >= min(failed):  # the limit lies below: close in on it
                state["fine"], step = True, FINE_STEP
        following = rate + step
        return (following, failed.get(following, 0) + 1) if following <= MAX_RATE else None
    failed[rate] = attempt
    if not state.get("fine"):
        last_pass = state.get("last_pass")
        if last_pass is not None and rate - last_pass > COARSE_STEP:  # a calibrated jump too far
            following = last_pass + FINE_STEP * max(1, int((rate - last_pass) / 2 // FINE_STEP))
            return following, failed.get(following, 0) + 1
        state["fine"] = True
        if last_pass is not None:
            following = last_pass + FINE_STEP
            return following, failed.get(following, 0) + 1
    return (rate, attempt + 1) if attempt < ATTEMPTS else None


# a step offering more than this many times the last step's rate (the calibrated jump) starts,
# like the first, from too few visitors for its rate: its arrivals begin LEAD_IN_SECONDS earlier;
# one offering more than RISE_FACTOR times it (a coarse step: 12 -> 24), RISE_LEAD_IN_SECONDS
JUMP_FACTOR = 2.0
RISE_FACTOR, RISE_LEAD_IN_SECONDS = 1.25, 6


def lead_in_for(steps: List[Dict[str, Any]], rate: float) -> int:
    """Seconds of arrivals before a step's settle time. A visitor's six questions span ~30 s, so
    the visitors of a new rate send, over the window (14 to 26 s after they start coming), 74 %
    of their steady rate with no lead-in, 90 % with 6 s, 96 % with 10 s, 99 % with 12 s (the
    last step's visitors send the rest at its rate). The first step and a calibrated jump start
    from (too) few visitors: without a lead-in the window sees the load still building up (a
    jump to 60 msg/s once passed with 40 msg/s arrived); a doubling (12 -> 24) had 19.5 msg/s
    sent in its window, 81 %. A step up by FINE_STEP needs none (56 -> 60: 98 %). A step after
    one over the limit starts from that one's backlog and its visitors' later questions."""
    if not steps:
        return LEAD_IN_SECONDS
    if not steps[-1]["passed"]:
        return RECOVERY_SECONDS
    last = steps[-1]["offered_msg_per_s"]
    if rate > JUMP_FACTOR * last:
        return LEAD_IN_SECONDS
    return RISE_LEAD_IN_SECONDS if rate > RISE_FACTOR * last else 0


def calibrated_start(
    cpu_ms_per_message: Dict[str, float], ports: Sequence[int], cores: Optional[float] = None
) -> Optional[float]:
    """Where to take the ladder after its first step: CALIBRATION_SHARE of the rate the first
    step's CPU per message says the set-up could at most serve (the stack on the `cores` it
    could have: those it used and those idle, the machine's shared with other work; each Rasa
    server on one of them at most), rounded down to FINE_STEP. At a low rate a message's CPU is
    overstated (a server's idle work is shared by few), so the estimate errs low."""
    cores = (os.cpu_count() or 1) if cores is None else cores
    stack = sum(cpu_ms_per_message.values())
    servers = [cpu_ms_per_message.get(f"rasa:{port}", 0.0) for port in ports]
    if stack <= 0 or not all(ms > 0 for ms in servers):
        return None
    most = min(1000.0 * cores / stack, *(1000.0 * min(1.0, cores) / ms for ms in servers))
    start = FINE_STEP * int(CALIBRATION_SHARE * most // FINE_STEP)
    return start if start >= FIRST_RATE + COARSE_STEP else None  # else the ladder's own steps


def idle_cpu_seconds() -> float:
    """CPU seconds the machine's cores spent idle since boot (/proc/stat: idle and iowait)."""
    fields = Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]
    return (int(fields[3]) + int(fields[4])) / os.sysconf("SC_CLK_TCK")


async def stepped(label: str, ports: Sequence[int]) -> Dict[str, Any]:
    """The ladder (next_rate) climbed until a rate is over the limit (p95 > 300 ms or errors)
    twice, or the phase's time runs out. Every attempt is reported; a rate sustained is one with
    an attempt within the limit. Each step's window is profiled (py-spy); the profiles of the
    highest step within the limit and of the first one over it are kept."""
    steps: List[Dict[str, Any]] = []
    windows: List[Window] = []
    profiled: List[Dict[str, Path]] = []  # per step: process -> raw profile
    profiler_cpu = 0.0  # CPU seconds py-spy itself used (it shares the cores)
    phase_started = time.monotonic()
    later = list(PHASE_WEIGHTS)[list(PHASE_WEIGHTS).index(label) + 1 :]
    later_servers = {"two-replicas": len(RASA_PORTS), "anchor": 1}
    available = remaining() - AFTER_LOAD_SECONDS - WARM_UP_SECONDS * sum(later_servers[n] for n in later)
    phase_seconds = available * PHASE_WEIGHTS[label] / sum(PHASE_WEIGHTS[n] for n in [label, *later])
    stopped_by = "the ladder's end"
    ladder: Dict[str, Any] = {}
    following: Optional[Tuple[float, int]] = (FIRST_RATE, 1)
    async with OpenLoop(NGINX, WECHAT, label) as load:
        while following is not None:
            rate, attempt = following
            lead_in = lead_in_for(steps, rate)
            if (
                time.monotonic() - phase_started + lead_in + STEP_SECONDS + 2 > phase_seconds
                or remaining() < AFTER_LOAD_SECONDS + STEP_SECONDS
            ):
                stopped_by = f"the time budget (no step at {rate:g} msg/s)"
                break
            step_started = time.time()
            arrivals = asyncio.ensure_future(load.arrive(rate / QUESTIONS_PER_VISITOR, lead_in + STEP_SECONDS))
            await asyncio.sleep(lead_in + SETTLE_SECONDS)
            window = Window(time.time(), 0.0)
            spies = start_profiles(int(STEP_SECONDS - SETTLE_SECONDS - 1), f"{label}-{rate:g}-{attempt}", ports)
            cpu_before, idle_before = cpu_seconds(), idle_cpu_seconds()
            spy_before = resource.getrusage(resource.RUSAGE_CHILDREN)
            await arrivals
            window.end = time.time()
            cpu_after, idle_after = cpu_seconds(), idle_cpu_seconds()
            window.cpu = cpu_share(cpu_before, cpu_after, window.end - window.start)
            await asyncio.sleep(1.0)
            for proc in spies.values():
                proc.wait(timeout=30)
            spy_after = resource.getrusage(resource.RUSAGE_CHILDREN)
            profiler_cpu += (spy_after.ru_utime + spy_after.ru_stime) - (spy_before.ru_utime + spy_before.ru_stime)
            profiled.append({name: profile_path(name, f"{label}-{rate:g}-{attempt}") for name in spies})
            figures = {
                "offered_msg_per_s": rate,
                "arrivals_per_s": round(rate / QUESTIONS_PER_VISITOR, 2),
                "attempt": attempt,
                "lead_in_s": lead_in,
                **window_figures(load.messages, window, time.time()),
                # the step's visitors (lead-in included) against its schedule
                "arrivals": arrival_figures(load.arrivals, step_started, window.end),
                "cpu_pct_of_one_core": window.cpu,
            }
            # CPU time of each process per message answered in the window (what bounds the cores)
            figures["cpu_ms_per_message"] = {
                k: round(1000 * (cpu_after[k] - cpu_before.get(k, 0.0)) / max(1, figures["answered"]), 1)
                for k in cpu_after
            }
            figures["passed"] = figures["errors"] == 0 and (figures["p95_ms"] or 1e9) <= P95_LIMIT_MS
            steps.append(figures)
            windows.append(window)
            print(
                f"  {label} {rate:>3g} msg/s offered, attempt {attempt}: "
                + json.dumps(
                    {
                        k: figures[k]
                        for k in (
                            "sent_msg_per_s",
                            "msg_per_s",
                            "p50_ms",
                            "p95_ms",
                            "p99_ms",
                            "errors",
                            "resent",
                            "error_kinds",
                            "arrivals",
                        )
                    }
                ),
                flush=True,
            )
            if len(steps) == 1 and figures["passed"]:
                # the cores it can have: what the stack used, and what no process did
                idle = (idle_after - idle_before) / (window.end - window.start)
                available = idle + sum(window.cpu.values()) / 100
                ladder["start"] = calibrated_start(figures["cpu_ms_per_message"], ports, available)
                ladder["cores_available"] = round(available, 2)
            following = next_rate(rate, figures["passed"], attempt, ladder)
            if following is None and not figures["passed"]:
                stopped_by = f"over the limit twice at {rate:g} msg/s offered"
        await load.finish()
    time.sleep(1.5)  # nginx's access log is flushed every second
    for figures, window in zip(steps, windows, strict=True):
        figures["replica_share"] = replica_shares(
            str(SCALED / "nginx" / "access.log"), load.messages, load.routes, window
        )
    senders = sorted({m.sender for m in load.messages})
    kept = integrity(load.messages, recorded(TRACKER_URL, senders))
    passing = [s for s in steps if s["passed"]]
    best = max(passing, key=lambda s: s["msg_per_s"] or 0) if passing else None
    # where the time goes at the highest step within the limit, and at the first one over it
    over = next(
        (s for s in steps if not s["passed"] and (best is None or s["offered_msg_per_s"] > best["offered_msg_per_s"])),
        None,
    )
    profiles: Dict[str, Any] = {}
    for name, step in (("highest_within_limit", best), ("first_over_limit", over)):
        if step is not None:
            paths = profiled[steps.index(step)]
            profiles[name] = {
                "offered_msg_per_s": step["offered_msg_per_s"],
                "attempt": step["attempt"],
                "processes": {process: summarize_profile(path) for process, path in paths.items()},
                "raw": sorted(str(path.relative_to(ROOT)) for path in paths.values()),
            }
    kept_paths = {Path(ROOT / raw) for p in profiles.values() for raw in p["raw"]}
    for paths in profiled:  # the other steps' raw profiles are not kept
        for path in paths.values():
            if path not in kept_paths:
                path.unlink(missing_ok=True)
    print(f"  {label}: stopped by {stopped_by}", flush=True)
    for name, profile in profiles.items():
        for process, summary in profile["processes"].items():
            top = ", ".join(f"{k} {v:g} %" for k, v in list((summary.get("share_pct") or {}).items())[:4])
            print(
                f"  profile, {name.replace('_', ' ')} ({profile['offered_msg_per_s']:g} msg/s) {process}: "
                f"{summary.get('busy_samples', 0)} busy samples: {top}",
                flush=True,
            )
    return {
        "steps": steps,
        "sustained": best,
        "stopped_by": stopped_by,
        "calibrated_start_msg_per_s": ladder.get("start"),
        "cores_available_at_first_step": ladder.get("cores_available"),
        "seconds_allowed": round(phase_seconds),
        "integrity": kept,
        "intents": intent_shares(senders),
        "visitors": len(load.visitors),
        "profiles": profiles,
        # py-spy's own CPU, % of one core over the profiled windows (every step is profiled alike)
        "profiler_cpu_pct_of_one_core": round(100 * profiler_cpu / max(1e-9, sum(w.end - w.start for w in windows)), 1),
    }


def intent_shares(senders: Sequence[str]) -> Dict[str, Any]:
    """How the phase's messages were understood (the anchor is trained for its cost, not its
    accuracy: a model that sends most messages to the fallback would take a cheaper path)."""
    import sqlalchemy as sa

    if not senders:
        return {}
    engine = sa.create_engine(TRACKER_URL, future=True)
    try:
        with engine.connect() as connection:
            query = sa.text("SELECT data FROM events WHERE type_name = 'user' AND sender_id IN :senders").bindparams(
                sa.bindparam("senders", expanding=True)
            )
            rows = connection.execute(query, {"senders": list(senders)}).all()
    finally:
        engine.dispose()
    names: CounterType[str] = Counter(
        ((json.loads(row.data).get("parse_data") or {}).get("intent") or {}).get("name") or "none" for row in rows
    )
    total = sum(names.values())
    return {
        "messages": total,
        "fallback_share": round(names.get("nlu_fallback", 0) / total, 3) if total else None,
        "top": {k: round(v / total, 3) for k, v in names.most_common(6)},
    }


def anchor_phase() -> Optional[Dict[str, Any]]:
    """The anchor under the same stepped load, alone behind nginx (None when it is not running)."""
    if f"rasa:{ANCHOR_PORT}" not in processes():
        return None
    url = f"http://127.0.0.1:{ANCHOR_PORT}/webhooks/rest/webhook"
    deadline = time.monotonic() + 300  # TensorFlow: the model loads after the HTTP server is up
    while not answered(url, "warmup-anchor", "你好") and time.monotonic() < deadline:
        time.sleep(1)
    warmed = warm([ANCHOR_PORT])
    phase = asyncio.run(stepped("anchor", [ANCHOR_PORT]))
    route_to(RASA_PORTS)
    return {"warm_up": warmed, **phase}


def answered(url: str, sender: str, text: str) -> bool:
    body = json.dumps({"sender": sender, "message": text}).encode()
    request = urllib.request.Request(url, data=body, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return bool(json.loads(response.read()))
    except OSError:
        return False


def table_row(name: str, phase: Dict[str, Any]) -> Dict[str, Any]:
    best = phase.get("sustained") or {}
    return {
        "set-up": name,
        "arrivals_per_s": best.get("arrivals_per_s"),
        "offered_msg_per_s": best.get("offered_msg_per_s"),
        "sent_msg_per_s": best.get("sent_msg_per_s"),  # what came in its window
        "sustained_msg_per_s": best.get("msg_per_s"),  # what was answered in it
        "p50_ms": best.get("p50_ms"),
        "p95_ms": best.get("p95_ms"),
        "p99_ms": best.get("p99_ms"),
        "replica_share": best.get("replica_share"),
        "lost": phase["integrity"]["lost"],
        "duplicated": phase["integrity"]["duplicated"],
        "errors": sum(s["errors"] for s in phase["steps"] if s["passed"]),
        # CPU ms of each process per answered message, at the sustained step (else the first):
        # the figure that least depends on what else the machine runs
        "cpu_ms_per_message": (best or (phase["steps"] or [{}])[0]).get("cpu_ms_per_message"),
        "cpu_pct_of_one_core": (best or (phase["steps"] or [{}])[0]).get("cpu_pct_of_one_core"),
        "attempts": len(phase["steps"]),
        "stopped_by": phase.get("stopped_by"),
        # where it stopped: the first step over the limit (or with errors), if any
        "over_the_limit_at": next(
            (
                {
                    k: s.get(k)
                    for k in ("offered_msg_per_s", "attempt", "msg_per_s", "p50_ms", "p95_ms", "p99_ms", "errors")
                }
                for s in reversed(phase["steps"])
                if not s["passed"]
            ),
            None,
        ),
    }


def print_table(rows: List[Dict[str, Any]]) -> None:
    """The closing note's table (results/scale.json has every step)."""
    print(
        "  | set-up | arrivals/s (offered msg/s) | sent msg/s | sustained msg/s | p50 | p95 | p99 | replica share | lost | "
        "errors | CPU % of one core (stack) | stopped by |",
        flush=True,
    )
    for row in rows:
        cpu = {k: v for k, v in (row.get("cpu_pct_of_one_core") or {}).items() if k != "load generator" and v >= 0.5}
        share = " / ".join(f"{100 * v:.0f} %" for v in (row.get("replica_share") or {}).values()) or "-"
        print(
            f"  | {row['set-up']} | {row['arrivals_per_s']} ({row['offered_msg_per_s']}) | {row['sent_msg_per_s']} | "
            f"{row['sustained_msg_per_s']} | {row['p50_ms']} | {row['p95_ms']} | {row['p99_ms']} | {share} | "
            f"{row['lost']} | {row['errors']} | {round(sum(cpu.values()))} "
            f"({', '.join(f'{k} {v:.0f}' for k, v in sorted(cpu.items()))}) | {row['stopped_by']} |",
            flush=True,
        )


def print_fault_table(faults: List[Dict[str, Any]]) -> None:
    print("  | fault, under load | sent | answered | lost | answered twice | errors | p95 |", flush=True)
    for f in faults:
        if "sent" in f:
            print(
                f"  | {f['fault']} | {f['sent']} | {f['answered']} | {f['lost']} | {f['duplicated']} | "
                f"{f['errors']} | {f['p95_ms']} ms |",
                flush=True,
            )
        else:
            print(
                f"  | {f['fault']} | status: {f['status_answer'][:30]!r}; FAQ: {f['faq_answer'][:20]!r} |", flush=True
            )


def lock_store_orders_two_replicas() -> bool:
    """Two lock stores (as two replicas) on the running Redis: one conversation, one at a time."""
    from rasa.utils.endpoints import EndpointConfig

    from bot.lock_store import RetryingRedisLockStore

    stores = [RetryingRedisLockStore(EndpointConfig(url="127.0.0.1", port=REDIS_PORT, type="redis")) for _ in range(2)]
    inside, overlaps = [], []
    conversation = f"lock-check-{uuid.uuid4().hex[:6]}"

    async def turn(store) -> None:
        async with store.lock(conversation, wait_time_in_seconds=0.02):
            inside.append(1)
            overlaps.append(len(inside))
            await asyncio.sleep(0.01)
            inside.pop()

    async def run() -> None:
        await asyncio.gather(*(turn(stores[i % 2]) for i in range(12)))

    asyncio.run(run())
    return max(overlaps) == 1 and len(overlaps) == 12 and stores[0].get_lock(conversation) is None


# -- a long conversation ------------------------------------------------------------------------


def rest(url: str, sender: str, text: str) -> float:
    body = json.dumps({"sender": sender, "message": text}).encode()
    request = urllib.request.Request(url, data=body, headers={"Content-Type": "application/json"})
    began = time.perf_counter()
    with urllib.request.urlopen(request, timeout=30) as response:
        json.loads(response.read())
    return time.perf_counter() - began


def rasa_api(method: str, port: int, path: str, body: Any = None) -> Any:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}{path}?token={RASA_TOKEN}",
        data=data,
        method=method,
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.loads(response.read())


def store_tracker(conversation_id: str, events: List[Dict[str, Any]]) -> None:
    """Events written to the tracker store as Rasa writes them (too big for Rasa's API)."""
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.trackers import DialogueStateTracker

    from bot.tracker_store import RetryingSQLTrackerStore

    domain = Domain.load(str(ROOT / "domain.yml"))
    store = RetryingSQLTrackerStore(
        domain=domain, dialect="postgresql", host="127.0.0.1", port=PG_PORT, db="rasa", username="rasa"
    )
    asyncio.run(store.save(DialogueStateTracker.from_dict(conversation_id, events, domain.slots)))
    store.engine.dispose()


def long_conversation() -> Dict[str, Any]:
    """Time of the next message of a 300-turn conversation against that of a new one.

    The 300 turns are six real turns repeated (their events, re-timed), written to the tracker
    store; then the same question is timed, alternately, in it and in new conversations."""
    url = f"{NGINX}/webhooks/rest/webhook"
    port = RASA_PORTS[0]
    seed = f"long-seed-{uuid.uuid4().hex[:6]}"
    questions = [
        "为什么暂停开票",
        "电子发票以后都不能用了吗",
        "网上开不了发票怎么办",
        "为什么暂停开票",
        "电子发票以后都不能用了吗",
        "网上开不了发票怎么办",
    ]
    for text in questions:
        rest(url, seed, text)
    events = rasa_api("GET", port, f"/conversations/{seed}/tracker")["events"]
    first_turn = next(i for i, e in enumerate(events) if e["event"] == "user")
    head, turns = events[:first_turn], events[first_turn:]
    now = time.time()
    span = turns[-1]["timestamp"] - turns[0]["timestamp"] + 1.0
    repeats = LONG_TURNS // len(questions)
    base = now - repeats * span - 5
    shift = base - head[0]["timestamp"]
    long_events = [{**e, "timestamp": e["timestamp"] + shift} for e in head]
    for r in range(repeats):
        offset = base + r * span - turns[0]["timestamp"] + 1.0
        long_events += [{**e, "timestamp": e["timestamp"] + offset} for e in turns]
    long_id = f"long-{uuid.uuid4().hex[:6]}"
    store_tracker(long_id, long_events)
    user_turns = sum(1 for e in long_events if e["event"] == "user")
    timed_long, timed_new = [], []
    replica = f"http://127.0.0.1:{port}/webhooks/rest/webhook"  # one replica: the cost of a message, not the route
    for _ in range(2):  # untimed, as for a new conversation's first message: one-off costs of a cold record
        rest(replica, long_id, "你好")
    for _ in range(16):
        fresh = f"long-new-{uuid.uuid4().hex[:6]}"
        rest(replica, fresh, "你好")
        timed_new.append(rest(replica, fresh, "为什么暂停开票"))
        timed_long.append(rest(replica, long_id, "为什么暂停开票"))
    stored = rasa_api("GET", port, f"/conversations/{long_id}/tracker")["events"]
    new_ms, long_ms = statistics.median(timed_new) * 1000, statistics.median(timed_long) * 1000
    return {
        "turns_before": user_turns,
        "events_before": len(long_events),
        "events_after": len(stored),
        "median_new_ms": round(new_ms, 1),
        "median_long_ms": round(long_ms, 1),
        "ratio": round(long_ms / new_ms, 2),
    }


# -- faults -------------------------------------------------------------------------------------


async def under_fault(label: str, fault: Callable[[], None], seconds: float = 26, at: float = 8) -> Dict[str, Any]:
    async with OpenLoop(NGINX, WECHAT, label) as load:
        arrivals = asyncio.ensure_future(load.arrive(FAULT_RATE / QUESTIONS_PER_VISITOR, seconds))
        await asyncio.sleep(at)
        await asyncio.wait_for(asyncio.get_running_loop().run_in_executor(None, fault), 60)
        await arrivals
        await load.finish()
    figures = window_figures(load.messages, Window(0.0, time.time() + 1), time.time())
    kept = integrity(load.messages, recorded(TRACKER_URL, sorted({m.sender for m in load.messages})))
    errors = Counter(
        m.error.split(":")[0] + (" (wechat)" if m.channel == "wechat" else "") for m in load.messages if m.error
    )
    result = {
        "fault": FAULT_NAMES[label],
        "rate_msg_per_s": FAULT_RATE,
        **{k: figures[k] for k in ("sent", "answered", "p95_ms", "p99_ms", "errors", "resent")},
        "error_kinds": dict(errors),
        **kept,
    }
    print("  figures: " + json.dumps(result, ensure_ascii=False), flush=True)
    return result


def say(sender: str, text: str) -> str:
    body = json.dumps({"sender": sender, "message": text}).encode()
    request = urllib.request.Request(
        f"{NGINX}/webhooks/rest/webhook", data=body, headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return "\n".join(m.get("text") or "" for m in json.loads(response.read()))


def status_of(url: str, data: Optional[bytes] = None) -> int:
    request = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def kill_replica() -> None:
    alive = processes()
    port = next((p for p in reversed(RASA_PORTS) if f"rasa:{p}" in alive), None)
    if port is None or len([p for p in RASA_PORTS if f"rasa:{p}" in alive]) < 2:
        print(f"  NOTE  replicas alive before the kill: {sorted(k for k in alive if k.startswith('rasa'))}", flush=True)
    if port is not None:
        pid = alive[f"rasa:{port}"][0]
        os.kill(pid, signal.SIGKILL)
        print(f"  killed replica :{port} (pid {pid})", flush=True)


# -- the run ------------------------------------------------------------------------------------


def main() -> int:
    try:  # the load generator shares the cores it measures: uvloop's loop (Sanic's) costs less
        import uvloop

        asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())
    except ImportError:  # pragma: no cover - a platform without it
        pass
    env = settings.child_env(
        {
            "RASA_AUTH_TOKEN": RASA_TOKEN,
            "STAFF_TOKEN": "scale-test-staff",
            "WECHAT_TOKEN": WECHAT.token,
            "WECHAT_ENCODING_AES_KEY": WECHAT.aes_key,
            "WECHAT_APP_ID": WECHAT.app_id,
            "WECHAT_APP_SECRET": "scale-test-secret",
            # late answers would go to the customer-service API: a closed loopback port here
            "WECHAT_API_BASE": "http://127.0.0.1:9",
            "LOG_FORMAT": "json",
        }
    )
    report: Dict[str, Any] = {
        # what else the cores ran decides the wall-clock figures (not the CPU ms per message)
        "machine": {"cores": os.cpu_count(), "load_average_at_start": [round(x, 2) for x in os.getloadavg()]},
        "p95_limit_ms": P95_LIMIT_MS,
        "step_seconds": STEP_SECONDS,
        "settle_seconds": SETTLE_SECONDS,
        "first_step_lead_in_seconds": LEAD_IN_SECONDS,
        "lead_in_after_a_step_over_the_limit_seconds": RECOVERY_SECONDS,
        "ladder_msg_per_s": {"first": FIRST_RATE, "coarse_step": COARSE_STEP, "fine_step": FINE_STEP},
        "attempts_per_rate": ATTEMPTS,
    }
    RESULTS.mkdir(exist_ok=True)
    subprocess.run([str(ROOT / "scripts" / "stop-scaled.sh")], check=False)
    anchor_built = ANCHOR_MODEL.exists()
    if anchor_built:
        env = {**env, "ANCHOR_MODEL": str(ANCHOR_MODEL), "ANCHOR_PORT": str(ANCHOR_PORT)}
    training = ANCHOR_MODEL.with_name(ANCHOR_MODEL.name.replace(".tar.gz", ".train.json"))
    report["anchor_model"] = {
        "model": str(ANCHOR_MODEL.relative_to(ROOT)) if ANCHOR_MODEL.is_relative_to(ROOT) else str(ANCHOR_MODEL),
        "built": anchor_built,
        **(json.loads(training.read_text()) if training.exists() else {}),
        "note": (
            "the stock DIET pipeline of tests/pipelines/diet.yml with its epochs cut (make anchor): "
            "what the load test measures is what a message costs to serve, which does not depend on "
            "the epochs trained; the anchor's accuracy is not measured (see its intents)"
        ),
    }
    subprocess.run([str(ROOT / "scripts" / "run-scaled.sh"), "--background"], check=True, env=env, cwd=ROOT)
    report["started_in_s"] = round(time.monotonic() - started_at)
    try:
        # the same for every phase: each of its Rasa servers warmed alone on every channel, then
        # the same ladder of rates from 6 msg/s, the same step length, a step over the limit run twice
        # (the anchor between them: what its phase leaves of its time goes to two replicas')
        print("1. open-loop load: one replica, the stock-Rasa anchor (DIET), two replicas", flush=True)
        report["warm_up"] = {"one_replica": warm(RASA_PORTS[:1])}
        one = asyncio.run(stepped("one-replica", RASA_PORTS[:1]))
        anchor = anchor_phase()
        report["warm_up"]["two_replicas"] = warm(RASA_PORTS)
        two = asyncio.run(stepped("two-replicas", RASA_PORTS))
        report["one_replica"], report["two_replicas"] = one, two
        rate_one = (one["sustained"] or {}).get("msg_per_s") or 0
        rate_two = (two["sustained"] or {}).get("msg_per_s") or 0
        report["scaling_ratio"] = round(rate_two / rate_one, 2) if rate_one and rate_two else None
        report["goal_60_msg_per_s_met"] = rate_two >= GOAL_MSG_PER_S
        report["table"] = [table_row("one replica", one), table_row("two replicas", two)]
        phases = [("one replica", one), ("two replicas", two)]
        check(
            anchor is not None,
            f"the stock-Rasa anchor ({ANCHOR_MODEL.name}) measured on the same stack"
            + ("" if anchor_built else ": not built (make anchor)"),
        )
        if anchor is not None:
            report["anchor_one_replica"] = anchor
            rate_anchor = (anchor["sustained"] or {}).get("msg_per_s") or 0
            report["ratio_to_anchor"] = {
                "one_replica": round(rate_one / rate_anchor, 2) if rate_anchor else None,
                "two_replicas": round(rate_two / rate_anchor, 2) if rate_anchor else None,
            }
            report["table"].append(table_row("stock-Rasa anchor (DIET), one replica", anchor))
            # at the same offered rate (the first step of each)
            ours, stock = one["steps"][0]["cpu_ms_per_message"], anchor["steps"][0]["cpu_ms_per_message"]
            served = [k for k in {*ours, *stock} if k != "load generator"]  # the stack's processes
            mine, theirs = sum(ours.get(k, 0) for k in served), sum(stock.get(k, 0) for k in served)
            report["cpu_per_message_anchor_to_ours"] = round(theirs / mine, 2) if mine else None
            phases.append(("anchor", anchor))
        use_replicas(len(RASA_PORTS))
        print_table(report["table"])
        print(f"  scaling ratio (two/one sustained): {report['scaling_ratio']}", flush=True)
        print(f"  ratio to the anchor (sustained): {report.get('ratio_to_anchor')}", flush=True)
        print(
            f"  CPU per message, anchor / ours at 6 msg/s: {report.get('cpu_per_message_anchor_to_ours')}", flush=True
        )
        for name, phase in phases:
            kept = phase["integrity"]
            check(
                kept["lost"] == 0 and kept["out_of_order_conversations"] == 0,
                f"{name}: all {kept['answered']} answered messages stored, in order",
            )
            check(kept["duplicated"] == 0, f"{name}: none stored twice")
            if phase["sustained"] is None:  # a goal, reported: it depends on what else the cores run
                print(f"  NOTE  {name}: no rate sustained at p95 <= {P95_LIMIT_MS:.0f} ms without errors", flush=True)

        shares = [s["replica_share"] for s in two["steps"] if s.get("replica_share")]
        total: CounterType[str] = Counter()
        for step in two["steps"]:
            for replica, share in (step.get("replica_share") or {}).items():
                total[replica] += share * step["answered"]
        overall = {k: round(v / sum(total.values()), 3) for k, v in total.items()} if total else {}
        two["replica_share_overall"] = overall
        check(
            len(overall) == len(RASA_PORTS) and all(0.35 <= v <= 0.65 for v in overall.values()) and bool(shares),
            f"two replicas: each serves 35-65 % of the messages ({overall})",
        )

        check(
            lock_store_orders_two_replicas(),
            "the Redis lock store lets one message of a conversation in at a time, across replicas",
        )

        print("2. a widget on one replica, messages sent through the other (headless Chromium)", flush=True)
        browser = subprocess.run(
            [sys.executable, "-m", "pytest", "-q", "-s", "-p", "no:cacheprovider", "tests/scale"],
            cwd=ROOT,
            env=settings.child_env(
                {"SCALED_URL": NGINX, "SCALED_RASA_TOKEN": RASA_TOKEN, "RASA_PORTS": " ".join(map(str, RASA_PORTS))}
            ),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            timeout=180,
        )
        delivered = re.search(r"delivered across replicas in (\[.*?\]) s", browser.stdout)
        report["across_replicas_seconds"] = json.loads(delivered.group(1)) if delivered else None
        if browser.returncode:
            print(browser.stdout[-3000:], flush=True)
        check(
            browser.returncode == 0,
            "a staff reply, a restoration notice and a hand-off release reach a widget "
            f"on the other replica within 2 s ({report['across_replicas_seconds']} s)",
        )

        print(f"3. a conversation of {LONG_TURNS} turns", flush=True)
        long = long_conversation()
        report["long_conversation"] = long
        print("  figures: " + json.dumps(long), flush=True)
        check(long["turns_before"] >= LONG_TURNS, f"{long['turns_before']} turns stored")
        check(long["ratio"] <= 1.5, f"its next message within 1.5x the time of a new one's ({long['ratio']}x)")

        print("4. faults under load", flush=True)
        faults = []
        result = asyncio.run(under_fault("pg-restart", lambda: pg("-m", "fast", "-w", "restart")))
        faults.append(result)
        check(
            intact(result),
            "PostgreSQL restarted: none lost, none twice, in order",
        )
        check("维护" in say("scale-after-pg", "为什么暂停开票"), "answers after the PostgreSQL restart")

        result = asyncio.run(under_fault("redis-restart", restart_redis))
        faults.append(result)
        check(
            intact(result),
            "Redis restarted: none lost, none answered twice, in order",
        )
        check("维护" in say("scale-after-redis", "为什么暂停开票"), "answers after the Redis restart")

        result = asyncio.run(under_fault("replica-killed", kill_replica))
        faults.append(result)
        # Rasa sends a socket.io answer as each action runs and saves the turn after the last: a
        # turn answered in the moment before the kill is not in the record (reported, not hidden)
        check(
            result["out_of_order_conversations"] == 0 and result["duplicated"] <= result["resent"],
            "a replica killed: in order; socket.io visitors reconnect and resend (stored twice only if "
            "the killed replica had saved it)",
        )
        if result["lost"]:
            print(
                f"  NOTE  a replica killed: {result['lost']} answered turn(s) not in the record (answered "
                "over socket.io, killed before Rasa saved the turn)",
                flush=True,
            )
        check("维护" in say("scale-after-kill", "为什么暂停开票"), "the other replica answers")

        stopped = processes().get("actions", [])
        for pid in stopped:
            os.kill(pid, signal.SIGTERM)
        for _ in range(100):  # stopped, not shutting down (Sanic finishes what it has for up to 15 s)
            if not any(_cmdline(pid) for pid in stopped):
                break
            time.sleep(0.2)
        time.sleep(1)
        status = say("scale-no-actions", "什么时候恢复开票")
        faq = say("scale-no-actions", "为什么暂停开票")
        faults.append({"fault": "action server stopped", "status_answer": status[:80], "faq_answer": faq[:40]})
        check("暂时查询不到" in status, "action server stopped: status says it cannot look that up")
        check("维护" in faq, "action server stopped: FAQ answers go on")
        report["faults"] = faults
        print_fault_table(faults)

        print("5. the public surface", flush=True)
        check(status_of(f"{NGINX}/conversations/x/tracker") == 404, "Rasa's API is not published")
        check(status_of(f"{NGINX}/api/status") == 200, "the public status is")
        check(
            status_of(f"{NGINX}/webhooks/rest/webhook", b'{"sender":"x","message":"' + b"a" * 70000 + b'"}') == 413,
            "a 70 KB body gets 413",
        )

        async def burst() -> List[int]:
            import aiohttp

            async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as session:  # all at once

                async def one() -> int:
                    async with session.get(f"{NGINX}/api/status") as response:
                        return response.status

                return await asyncio.gather(*(one() for _ in range(900)))

        codes = asyncio.run(burst())
        check(429 in codes and 200 in codes, f"a burst of 900 gets 429s ({codes.count(429)}) after its allowance")
    finally:
        subprocess.run([str(ROOT / "scripts" / "stop-scaled.sh")], check=False)
        report["checks"] = {"passed": len(passes), "failed": failures}
        report["duration_s"] = round(time.monotonic() - started_at)
        report["machine"]["load_average_at_end"] = [round(x, 2) for x in os.getloadavg()]
        (RESULTS / "scale.json").write_text(json.dumps(report, ensure_ascii=False, indent=2))
    print(
        f"scale: {len(passes)} passed, {len(failures)} failed in {report['duration_s']} s "
        f"(figures in results/scale.json)",
        flush=True,
    )
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
