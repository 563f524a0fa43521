"""Headless Chromium from Debian (/usr/bin/chromium), driven by Playwright; no browser download."""

import os
import shutil
from pathlib import Path

import pytest

OUTPUT = Path(__file__).resolve().parents[1] / "output"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="module")
def browser():
    """Per module: Playwright's sync API holds an event loop, which must be gone before
    the asyncio tests of other modules run."""
    from playwright.sync_api import sync_playwright

    executable = os.environ.get("CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(executable).exists():
        pytest.fail("Chromium is missing: `make browser` installs Debian's chromium")
    OUTPUT.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def context(browser):
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 800})
    yield context
    context.close()
