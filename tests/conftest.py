"""Servers for the end-to-end tests: started once per test session, on test ports.

The model is trained by `make test` before pytest runs (models/current.tar.gz) and loaded
once here. Each session gets its own tracker database under a temporary folder.
"""
from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List

import pytest

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
MODEL = ROOT / "models" / "current.tar.gz"
RASA_TOKEN = "test-rasa-token"
STAFF_TOKEN = "test-staff-token"


@dataclass
class Servers:
    rasa: str
    actions: str
    web: str
    env: Dict[str, str]
    logs: Path
    procs: Dict[str, subprocess.Popen]

    def start_web(self) -> None:
        """(Re)start the web app, e.g. after a test stopped it."""
        log = self.logs / "web.log"
        self.procs["web"] = start([str(VENV_BIN / "python"), "-m", "bot.web.app"], self.env, log, "a")
        _wait(f"{self.web}/health", 30, self.procs["web"], log)


def _port(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


def _wait(url: str, seconds: float, proc: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{url} exited early:\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except Exception:
            time.sleep(0.5)
    raise RuntimeError(f"{url} did not come up in {seconds}s:\n{log.read_text()[-3000:]}")


def start(cmd: List[str], env: Dict[str, str], log: Path, mode: str = "w") -> subprocess.Popen:
    return subprocess.Popen(
        cmd, cwd=ROOT, env=env, stdout=log.open(mode), stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def stop(procs: List[subprocess.Popen]) -> None:
    for proc in procs:
        if proc.poll() is None:
            proc.terminate()
    for proc in procs:
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()


@pytest.fixture(scope="session")
def servers(tmp_path_factory) -> Servers:
    if not MODEL.exists():
        pytest.fail("models/current.tar.gz is missing: run `make train` (make test does)")
    work = tmp_path_factory.mktemp("servers")
    rasa_port = _port("TEST_RASA_PORT", 15005)
    actions_port = _port("TEST_ACTIONS_PORT", 15055)
    web_port = _port("TEST_WEB_PORT", 18080)
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "RASA_TELEMETRY_ENABLED": "false",
        "ACTION_ENDPOINT_URL": f"http://127.0.0.1:{actions_port}/webhook",
        "TRACKER_DB": str(work / "tracker.db"),
        "STATUS_URL": f"http://127.0.0.1:{web_port}/api/status",
        "STATUS_CACHE_SECONDS": "1",
        "STAFF_TOKEN": STAFF_TOKEN,
        "RASA_AUTH_TOKEN": RASA_TOKEN,
        "RASA_URL": f"http://127.0.0.1:{rasa_port}",
        "WEB_PORT": str(web_port),
        "DATA_DIR": str(work / "data"),
        "NOTIFY_RETRY_SECONDS": "2",
    }
    procs: Dict[str, subprocess.Popen] = {}
    servers = Servers(
        rasa=f"http://127.0.0.1:{rasa_port}",
        actions=f"http://127.0.0.1:{actions_port}",
        web=f"http://127.0.0.1:{web_port}",
        env=env,
        logs=work,
        procs=procs,
    )
    try:
        servers.start_web()
        actions_log = work / "actions.log"
        procs["actions"] = (start(
            [str(VENV_BIN / "rasa"), "run", "actions", "--port", str(actions_port), "--actions", "actions"],
            env, actions_log,
        ))
        rasa_log = work / "rasa.log"
        procs["rasa"] = (start(
            [str(VENV_BIN / "rasa"), "run", "--model", str(MODEL), "--port", str(rasa_port),
             "--enable-api", "--auth-token", RASA_TOKEN, "--endpoints", "endpoints.yml",
             "--credentials", "credentials.yml"],
            env, rasa_log,
        ))
        _wait(f"{servers.actions}/health", 60, procs["actions"], actions_log)
        _wait(f"{servers.rasa}/", 240, procs["rasa"], rasa_log)
        yield servers
    finally:
        stop(list(procs.values()))
