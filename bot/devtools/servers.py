"""Start and stop the project's servers as subprocesses (for the tests and the benchmark)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Dict, Iterable, List, Optional

ROOT = Path(__file__).resolve().parents[2]
VENV_BIN = Path(sys.executable).parent


def start(cmd: List[str], env: Dict[str, str], log: Path, mode: str = "w") -> subprocess.Popen:
    return subprocess.Popen(
        cmd,
        cwd=ROOT,
        env=env,
        stdout=log.open(mode),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def wait_http(url: str, seconds: float, proc: subprocess.Popen, log: Optional[Path] = None) -> None:
    """Wait until `url` answers; fail early (with the log's tail) if the process dies."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            tail = log.read_text()[-3000:] if log else ""
            raise RuntimeError(f"{url}: process exited early\n{tail}")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except Exception:
            time.sleep(0.2)
    raise RuntimeError(f"{url} did not come up in {seconds}s")


def stop(procs: Iterable[subprocess.Popen]) -> None:
    procs = list(procs)
    for proc in procs:
        if proc.poll() is None:
            proc.terminate()
    for proc in procs:
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()


def web_cmd() -> List[str]:
    return [str(VENV_BIN / "python"), "-m", "bot.web.app"]


def actions_cmd(port: int) -> List[str]:
    """The action server (needs ACTION_SERVER_TOKEN in its environment)."""
    return [str(VENV_BIN / "python"), "-m", "bot.action_server", "--port", str(port)]


def rasa_cmd(model: Path, port: int, token: str, cors: str = "http://127.0.0.1:8080") -> List[str]:
    return [
        str(VENV_BIN / "rasa"),
        "run",
        "--model",
        str(model),
        "--port",
        str(port),
        "--interface",
        "127.0.0.1",
        "--enable-api",
        "--auth-token",
        token,
        "--endpoints",
        "endpoints.yml",
        "--credentials",
        "credentials.yml",
        "--cors",
        cors,
    ]


def proc_cpu_seconds(pids: Iterable[int]) -> float:
    """CPU seconds (user + system) the processes have used so far, from /proc; gone ones count 0."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])
        except (FileNotFoundError, ProcessLookupError, IndexError, ValueError):
            continue
    return total / ticks
