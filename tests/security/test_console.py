"""Findings 5 and 6 on the console: login throttle, audit identity, CSP, logout CSRF."""

import json
import subprocess
import sys
import uuid

from tests.conftest import STAFF_TOKEN
from tests.security.attack import Console, request

PASSWORD = "correct horse battery"


def add_staff(servers, name):
    subprocess.run(
        [sys.executable, "-m", "bot.console", "adduser", name, "--password-stdin"],
        input=PASSWORD + "\n",
        text=True,
        env=servers.env,
        check=True,
        capture_output=True,
    )


def test_login_is_throttled_per_account(servers):
    name = f"sec{uuid.uuid4().hex[:6]}"
    add_staff(servers, name)
    console = Console(servers.web, "198.51.100.10")
    codes = [console.login(name, "wrong password")[0] for _ in range(5)]
    assert codes == [401] * 5
    status, headers, _b = console.login(name, PASSWORD)  # even the right password, from anywhere
    assert status == 429 and int(headers["Retry-After"]) > 0
    assert Console(servers.web, "198.51.100.11").login(name, PASSWORD)[0] == 429
    # another account is not locked out
    other = f"sec{uuid.uuid4().hex[:6]}"
    add_staff(servers, other)
    assert Console(servers.web, "198.51.100.12").login(other, PASSWORD)[0] == 303


def test_login_is_throttled_per_address(servers):
    console = Console(servers.web, "198.51.100.20")
    codes = [console.login(f"nobody{i}", "wrong password")[0] for i in range(20)]
    assert codes == [401] * 20
    name = f"sec{uuid.uuid4().hex[:6]}"
    add_staff(servers, name)
    status, headers, _b = console.login(name, PASSWORD)
    assert status == 429 and "Retry-After" in headers
    assert Console(servers.web, "198.51.100.21").login(name, PASSWORD)[0] == 303


def test_status_audit_names_the_logged_in_account_not_the_body(servers):
    name = f"sec{uuid.uuid4().hex[:6]}"
    add_staff(servers, name)
    console = Console(servers.web, "198.51.100.30")
    assert console.login(name, PASSWORD)[0] == 303
    body = {"state": "suspended", "message": "审计测试", "updated_by": "局长"}
    status, _h, answer = request(
        "PUT", f"{servers.web}/api/status", body, opener=console.opener, headers={"X-CSRF-Token": console.csrf()}
    )
    assert status == 200 and json.loads(answer)["updated_by"] == name
    status, _h, answer = request("PUT", f"{servers.web}/api/status", body, {"Authorization": f"Bearer {STAFF_TOKEN}"})
    assert status == 200 and json.loads(answer)["updated_by"] == "api"
    history = json.loads(
        request("GET", f"{servers.web}/api/status/history", headers={"Authorization": f"Bearer {STAFF_TOKEN}"})[2]
    )["history"]
    assert "局长" not in [entry["updated_by"] for entry in history]


def test_console_cannot_be_framed_and_has_a_csp(servers):
    name = f"sec{uuid.uuid4().hex[:6]}"
    add_staff(servers, name)
    console = Console(servers.web, "198.51.100.40")
    assert console.login(name, PASSWORD)[0] == 303
    for path in ("/console", "/console/login"):
        status, headers, _b = console.get(path)
        assert status == 200
        assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
        assert "script-src 'self'" in headers["Content-Security-Policy"]
        assert headers["X-Frame-Options"] == "DENY"


def test_a_cross_site_post_does_not_log_staff_out(servers):
    name = f"sec{uuid.uuid4().hex[:6]}"
    add_staff(servers, name)
    console = Console(servers.web, "198.51.100.50")
    assert console.login(name, PASSWORD)[0] == 303
    token = console.csrf()
    for forged in ("", "forged-token"):
        status, headers, _b = console.logout(forged)
        assert status == 403 and "Set-Cookie" not in headers
    assert console.get("/console")[0] == 200  # still logged in
    assert console.logout(token)[0] == 303
    assert console.get("/console")[0] == 302  # logged out: back to the login page
