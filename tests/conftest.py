"""Servers for the end-to-end tests: started once per test session, on test ports.

The model is trained by `make test` before pytest runs (models/current.tar.gz) and loaded
once here. Each session gets its own tracker database under a temporary folder.
"""
from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Dict

import pytest

from bot.devtools.servers import ROOT, actions_cmd, rasa_cmd, start, stop, wait_http, web_cmd

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
        self.procs["web"] = start(web_cmd(), self.env, log, "a")
        wait_http(f"{self.web}/health", 30, self.procs["web"], log)


def _port(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


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
        "SERVICE_POINTS_URL": f"http://127.0.0.1:{web_port}/api/service-points",
        "STATUS_CACHE_SECONDS": "1",
        "STAFF_TOKEN": STAFF_TOKEN,
        "RASA_AUTH_TOKEN": RASA_TOKEN,
        "RASA_URL": f"http://127.0.0.1:{rasa_port}",
        "WEB_PORT": str(web_port),
        "DATA_DIR": str(work / "data"),
        "NOTIFY_RETRY_SECONDS": "2",
        "RASA_PUBLIC_URL": f"http://127.0.0.1:{rasa_port}",
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
        procs["actions"] = start(actions_cmd(actions_port), env, actions_log)
        rasa_log = work / "rasa.log"
        procs["rasa"] = start(rasa_cmd(MODEL, rasa_port, RASA_TOKEN, cors=f"http://127.0.0.1:{web_port}"), env, rasa_log)
        wait_http(f"{servers.actions}/health", 60, procs["actions"], actions_log)
        wait_http(f"{servers.rasa}/", 240, procs["rasa"], rasa_log)
        yield servers
    finally:
        stop(list(procs.values()))
