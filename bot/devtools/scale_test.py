"""`make test-scale`: the scaled set-up under load and faults, with nothing lost.

Starts `scripts/run-scaled.sh --background` (PostgreSQL, Redis, two Rasa replicas, nginx),
then, all on loopback and bounded in count and time:
  1. 50 concurrent conversations for 60 s through nginx: no errors, every message recorded in order;
  2. the busy Rasa replica killed mid-run: conversations go on on the other, none lost;
  3. PostgreSQL restarted mid-run: requests fail cleanly or are retried, none lost or reordered;
  4. the action server stopped: status questions get "暂时查询不到", FAQ answers go on;
  5. the public surface: Rasa's API not published, big bodies 413, bursts 429.
Prints one line of figures per test and exits non-zero on any failure.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Dict, List, Optional

from bot import settings
from bot.devtools.load import run as load_run

ROOT = Path(__file__).resolve().parents[2]
SCALED = ROOT / "var" / "scaled"
NGINX = "http://127.0.0.1:8000"
TRACKER_URL = "postgresql://rasa@127.0.0.1:5433/rasa"
failures: List[str] = []
passes: List[str] = []


def check(condition: bool, what: str) -> None:
    print(("  ok    " if condition else "  FAIL  ") + what, flush=True)
    (passes if condition else failures).append(what)


def load(conversations: int, seconds: float, kill_pid: int = 0, kill_after: float = 0, action=None) -> Dict:
    args = argparse.Namespace(
        url=NGINX,
        conversations=conversations,
        seconds=seconds,
        tracker_db_url=TRACKER_URL,
        kill_pid=kill_pid or None,
        kill_replica_after=kill_after,
    )

    async def with_fault():
        if action is None:
            return await load_run(args)

        async def fault():
            await asyncio.sleep(kill_after)
            await asyncio.get_running_loop().run_in_executor(None, action)

        result, _ = await asyncio.gather(load_run(args), fault())
        return result

    result = asyncio.run(with_fault())
    print("  figures: " + json.dumps({k: v for k, v in result.items() if k != "first_errors"}, ensure_ascii=False))
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


def pids() -> List[int]:
    return [int(line) for line in (SCALED / "pids").read_text().split()]


def rasa_pids() -> Dict[int, int]:
    """Rasa replica pid -> CPU ticks used so far."""
    found = {}
    for pid in pids():
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_text()
            stat = Path(f"/proc/{pid}/stat").read_text().split()
        except FileNotFoundError:
            continue
        if "rasa\x00run\x00--model" in cmdline:
            found[pid] = int(stat[13]) + int(stat[14])
    return found


def pg(*command: str) -> None:
    pg_bin = sorted(Path("/usr/lib/postgresql").glob("*/bin"))[-1]
    subprocess.run(
        ["runuser", "-u", "postgres", "--", str(pg_bin / "pg_ctl"), "-D", str(SCALED / "pg"), *command],
        check=True,
        stdout=subprocess.DEVNULL,
    )


def main() -> int:
    env = settings.child_env({"RASA_AUTH_TOKEN": "scale-test-token", "STAFF_TOKEN": "scale-test-staff"})
    subprocess.run([str(ROOT / "scripts" / "stop-scaled.sh")], check=False)
    subprocess.run([str(ROOT / "scripts" / "run-scaled.sh"), "--background"], check=True, env=env, cwd=ROOT)
    try:
        print("1. 50 concurrent conversations for 60 s through nginx", flush=True)
        result = load(50, 60)
        check(result["errors_retried"] == 0, "no errors")
        check(
            result["lost"] == 0 and result["out_of_order_conversations"] == 0, "every user message recorded, in order"
        )

        print("2. the busy Rasa replica killed mid-run", flush=True)
        before = rasa_pids()
        say("scale-warmup", "你好")
        busy = max(rasa_pids().items(), key=lambda item: item[1] - before.get(item[0], 0))[0]
        result = load(50, 30, kill_pid=busy, kill_after=10)
        check(result["lost"] == 0 and result["out_of_order_conversations"] == 0, "none lost, in order")
        check("维护" in say("scale-after-kill", "为什么暂停开票"), "the other replica answers")

        print("3. PostgreSQL restarted mid-run", flush=True)
        result = load(20, 30, kill_after=10, action=lambda: pg("-m", "fast", "-w", "restart"))
        check(result["lost"] == 0 and result["out_of_order_conversations"] == 0, "none lost or reordered")
        check("维护" in say("scale-after-pg", "为什么暂停开票"), "answers after the restart")

        print("4. the action server stopped", flush=True)
        for pid in pids():
            cmdline = Path(f"/proc/{pid}/cmdline")
            if cmdline.exists() and "run\x00actions" in cmdline.read_text(errors="ignore"):
                os.kill(pid, 15)
        time.sleep(2)
        check("暂时查询不到" in say("scale-no-actions", "什么时候恢复开票"), "status: says it cannot look that up")
        check("维护" in say("scale-no-actions", "为什么暂停开票"), "FAQ answers go on")

        print("5. the public surface", flush=True)
        check(status_of(f"{NGINX}/conversations/x/tracker") == 404, "Rasa's API is not published")
        check(status_of(f"{NGINX}/api/status") == 200, "the public status is")
        check(
            status_of(f"{NGINX}/webhooks/rest/webhook", b'{"sender":"x","message":"' + b"a" * 70000 + b'"}') == 413,
            "a 70 KB body gets 413",
        )

        async def burst() -> List[int]:
            import aiohttp

            async with aiohttp.ClientSession() as session:

                async def one():
                    async with session.get(f"{NGINX}/api/status") as response:
                        return response.status

                return await asyncio.gather(*(one() for _ in range(600)))

        codes = asyncio.run(burst())
        check(429 in codes and 200 in codes, f"a burst of 600 gets 429s ({codes.count(429)}) after its allowance")
    finally:
        subprocess.run([str(ROOT / "scripts" / "stop-scaled.sh")], check=False)
    print(f"scale: {len(passes)} passed, {len(failures)} failed", flush=True)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
