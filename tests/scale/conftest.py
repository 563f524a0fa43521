"""Tests against the running scaled set-up (`make test-scale` starts it and runs them).

They are skipped unless SCALED_URL (nginx) is set; the replicas' own ports come from
RASA_PORTS and Rasa's API token from SCALED_RASA_TOKEN.
"""

import os
import shutil
from pathlib import Path

import pytest

from tests.browser.conftest import CHROMIUM_ARGS, context  # noqa: F401  (the same headless Chromium)


@pytest.fixture(scope="module")
def scaled():
    url = os.environ.get("SCALED_URL")
    if not url:
        pytest.skip("needs the scaled set-up: make test-scale runs this")
    ports = [int(p) for p in os.environ.get("RASA_PORTS", "5006 5007").split()]
    return {
        "url": url.rstrip("/"),
        "replicas": [f"http://127.0.0.1:{p}" for p in ports],
        "token": os.environ.get("SCALED_RASA_TOKEN", ""),
    }


@pytest.fixture(scope="module")
def browser(scaled):
    """As tests/browser's, and a page whose HTML the test rewrote (to pin the widget's socket
    to one replica) may still open a socket to loopback."""
    from playwright.sync_api import sync_playwright

    executable = os.environ.get("CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(executable).exists():
        pytest.fail("Chromium is missing: `make browser` installs Debian's chromium")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=executable, args=CHROMIUM_ARGS + ["--disable-features=LocalNetworkAccessChecks"]
        )
        yield browser
        browser.close()
