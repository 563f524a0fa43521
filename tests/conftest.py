"""Servers for the end-to-end tests: started once per test session, on test ports.

The model is trained by `make test` before pytest runs (models/current.tar.gz) and loaded
once here. Each session gets its own tracker database under a temporary folder.
"""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Dict

import pytest

from bot.devtools.servers import ROOT, actions_cmd, rasa_cmd, start, stop, wait_http, web_cmd

MODEL = ROOT / "models" / "current.tar.gz"
RASA_TOKEN = "test-rasa-token"
# Tencent's published WXBizMsgCrypt sample account
WECHAT = {"token": "QDG6eK", "aes_key": "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C", "app_id": "wx5823bf96d3bd56c7"}
STAFF_TOKEN = "test-staff-token"
ALWAYS_STAFFED = "hours: {%s}\nmax_queue: 1000\n" % ", ".join(
    f'{day}: ["00:00-24:00"]' for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
)
# a 微信客服 account on a fake WeCom API
WECOM = {
    "corp_id": "ww-test-corp",
    "secret": "kf-secret",
    "token": "wecomToken",
    "aes_key": "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG",
    "open_kfid": "wk-test-kf",
    "servicer": "zhangsan",
    "robot_key": "robot-key",
}
ACTIONS_TOKEN = "test-actions-token"
ACTION_SERVER_TOKEN = "test-action-server-token"


@dataclass
class Servers:
    rasa: str
    actions: str
    web: str
    wechat_api: str
    wecom_api: str
    env: Dict[str, str]
    logs: Path
    procs: Dict[str, subprocess.Popen]

    @property
    def staffing_file(self) -> Path:
        return Path(self.env["STAFFING_FILE"])

    def start_web(self) -> None:
        """(Re)start the web app, e.g. after a test stopped it."""
        log = self.logs / "web.log"
        self.procs["web"] = start(web_cmd(), self.env, log, "a")
        wait_http(f"{self.web}/health", 30, self.procs["web"], log)

    def start_rasa(self) -> None:
        """(Re)start the Rasa server, e.g. after a test stopped it."""
        log = self.logs / "rasa.log"
        port = int(self.rasa.rsplit(":", 1)[1])
        self.procs["rasa"] = start(rasa_cmd(MODEL, port, RASA_TOKEN, cors=self.web), self.env, log, "a")
        wait_http(f"{self.rasa}/", 240, self.procs["rasa"], log)


def _port(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


@pytest.fixture(scope="session")
def servers(tmp_path_factory) -> Servers:
    if not MODEL.exists():
        pytest.fail("models/current.tar.gz is missing: run `make train` (make test does)")
    work = tmp_path_factory.mktemp("servers")
    # staffed around the clock unless a test rewrites it (servers.staffing_file)
    staffing_file = work / "staffing.yml"
    staffing_file.write_text(ALWAYS_STAFFED, encoding="utf-8")
    rasa_port = _port("TEST_RASA_PORT", 15005)
    actions_port = _port("TEST_ACTIONS_PORT", 15055)
    web_port = _port("TEST_WEB_PORT", 18080)
    wechat_port = _port("TEST_WECHAT_API_PORT", 18090)
    wecom_port = _port("TEST_WECOM_API_PORT", wechat_port + 5)
    env = {
        **os.environ,
        # one process each, on the session's own SQLite files and in-memory locks
        "TRACKER_DB_URL": "",
        "WEB_DB_URL": "",
        "LOCK_STORE_TYPE": "in_memory",
        "REDIS_HOST": "",
        "REDIS_PORT": "6379",
        "PYTHONPATH": str(ROOT),
        "RASA_TELEMETRY_ENABLED": "false",
        "ACTION_ENDPOINT_URL": f"http://127.0.0.1:{actions_port}/webhook",
        "TRACKER_DB": str(work / "tracker.db"),
        "WEB_URL": f"http://127.0.0.1:{web_port}",
        "WEB_ACTIONS_TOKEN": ACTIONS_TOKEN,
        "STATUS_CACHE_SECONDS": "0",
        "STATUS_RETRY_SECONDS": "1",
        "SERVICE_POINTS_CACHE_SECONDS": "1",
        "STAFF_TOKEN": STAFF_TOKEN,
        "RASA_AUTH_TOKEN": RASA_TOKEN,
        "ACTION_SERVER_TOKEN": ACTION_SERVER_TOKEN,
        # as behind a reverse proxy on loopback: tests give each simulated client its own address
        "TRUSTED_PROXIES": "127.0.0.1",
        # a smaller per-address allowance than production's (200, then 5 a second), so that the
        # per-address attack test drains it however slow a shared machine makes each answer
        "ADDRESS_BURST": "60",
        "ADDRESS_PER_SECOND": "1",
        "RASA_URL": f"http://127.0.0.1:{rasa_port}",
        "WEB_PORT": str(web_port),
        "DATA_DIR": str(work / "data"),
        "NOTIFY_RETRY_SECONDS": "2",
        "RASA_PUBLIC_URL": f"http://127.0.0.1:{rasa_port}",
        "CORS_ORIGINS": f"http://127.0.0.1:{web_port},https://vendor.example",
        "STATUS_TIMEOUT": "8",
        "WECHAT_TOKEN": WECHAT["token"],
        "WECHAT_APP_ID": WECHAT["app_id"],
        "WECHAT_APP_SECRET": "test-secret",
        "WECHAT_ENCODING_AES_KEY": WECHAT["aes_key"],
        "WECHAT_API_BASE": f"http://127.0.0.1:{wechat_port}",
        "WECHAT_KF_TRANSFER": "false",
        "STAFFING_FILE": str(staffing_file),
        "WECOM_CORP_ID": WECOM["corp_id"],
        "WECOM_KF_SECRET": WECOM["secret"],
        "WECOM_TOKEN": WECOM["token"],
        "WECOM_ENCODING_AES_KEY": WECOM["aes_key"],
        "WECOM_OPEN_KFID": WECOM["open_kfid"],
        "WECOM_SERVICER_USERID": WECOM["servicer"],
        "WECOM_API_BASE": f"http://127.0.0.1:{wecom_port}",
        "WECOM_KF_DB_URL": f"sqlite:///{work / 'wecom_kf.db'}",
        "WECOM_ROBOT_URL": f"http://127.0.0.1:{wecom_port}/cgi-bin/webhook/send?key={WECOM['robot_key']}",
        "CONSOLE_URL": f"http://127.0.0.1:{web_port}/console",
    }
    procs: Dict[str, subprocess.Popen] = {}
    servers = Servers(
        rasa=f"http://127.0.0.1:{rasa_port}",
        actions=f"http://127.0.0.1:{actions_port}",
        web=f"http://127.0.0.1:{web_port}",
        wechat_api=f"http://127.0.0.1:{wechat_port}",
        wecom_api=f"http://127.0.0.1:{wecom_port}",
        env=env,
        logs=work,
        procs=procs,
    )
    try:
        servers.start_web()
        wechat_log = work / "wechat_api.log"
        procs["wechat_api"] = start([sys.executable, "-m", "tests.fakes.wechat_api", str(wechat_port)], env, wechat_log)
        wait_http(f"{servers.wechat_api}/health", 30, procs["wechat_api"], wechat_log)
        wecom_log = work / "wecom_api.log"
        procs["wecom_api"] = start([sys.executable, "-m", "tests.fakes.wecom_api", str(wecom_port)], env, wecom_log)
        wait_http(f"{servers.wecom_api}/health", 30, procs["wecom_api"], wecom_log)
        actions_log = work / "actions.log"
        procs["actions"] = start(actions_cmd(actions_port), env, actions_log)
        rasa_log = work / "rasa.log"
        procs["rasa"] = start(rasa_cmd(MODEL, rasa_port, RASA_TOKEN, cors=servers.web), env, rasa_log)
        wait_http(f"{servers.actions}/health", 60, procs["actions"], actions_log)
        wait_http(f"{servers.rasa}/", 240, procs["rasa"], rasa_log)
        yield servers
    finally:
        stop(list(procs.values()))
