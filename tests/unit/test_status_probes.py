"""The automatic platform check against a local fake platform that goes down and comes back."""

import asyncio

from aiohttp import web

from bot.status.probes import ProbeMonitor


async def fake_platform(mode):
    """A login page whose behaviour the test switches: up, error (500), slow (times out)."""

    async def login(_request):
        if mode["mode"] == "error":
            return web.Response(status=503, text="maintenance")
        if mode["mode"] == "slow":
            await asyncio.sleep(2)
        return web.Response(text="<html>登录</html>", content_type="text/html")

    app = web.Application()
    app.router.add_get("/login", login)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    return runner, f"http://127.0.0.1:{site._server.sockets[0].getsockname()[1]}/login"


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


async def test_platform_down_and_up_is_labelled_and_never_changes_the_state():
    mode, official = {"mode": "up"}, {"state": "suspended"}
    runner, url = await fake_platform(mode)
    clock = Clock()
    monitor = ProbeMonitor([url], lambda: official["state"], timeout=0.5, disagree_after=300, clock=clock)
    try:
        result = await monitor.check_once()
        assert result.reachable and monitor.public_summary()["label"].startswith("自动检测：平台当前可访问，检测于")
        # staff say suspended, the platform answers: a disagreement, flagged only after 5 minutes
        assert not monitor.flagged()
        clock.now += 299
        await monitor.check_once()
        assert not monitor.flagged()
        clock.now += 2
        await monitor.check_once()
        assert monitor.flagged() and official["state"] == "suspended"  # flagged, never overridden

        for failure in ("error", "slow"):
            mode["mode"] = failure
            loop = asyncio.get_running_loop()
            started = loop.time()
            result = await monitor.check_once()
            assert not result.reachable and loop.time() - started < 1.5  # one try, bounded
            assert "无法访问" in monitor.public_summary()["label"]
            assert not monitor.flagged()  # down and suspended agree

        official["state"] = "normal"  # staff say it is back while the platform is still down
        await monitor.check_once()
        clock.now += 301
        await monitor.check_once()
        assert monitor.staff_summary()["flagged"]
        mode["mode"] = "up"
        await monitor.check_once()
        assert not monitor.flagged() and monitor.last.reachable
    finally:
        await runner.cleanup()


async def test_nothing_configured_means_no_probe_and_no_label():
    monitor = ProbeMonitor([], lambda: "suspended")
    assert not monitor.configured and monitor.public_summary() is None
    assert monitor.staff_summary()["configured"] is False


async def test_the_loop_keeps_running_after_a_failed_round_and_stops_on_cancel():
    calls = {"n": 0}
    monitor = ProbeMonitor(["http://127.0.0.1:9/x"], lambda: "suspended", timeout=0.2, interval=0.05)
    original = monitor.check_once

    async def counting():
        calls["n"] += 1
        if calls["n"] == 1:
            raise RuntimeError("boom")
        return await original()

    monitor.check_once = counting
    task = asyncio.create_task(monitor.run())
    await asyncio.sleep(0.6)
    task.cancel()
    try:
        await task
    except asyncio.CancelledError:
        pass
    assert calls["n"] >= 2 and monitor.last is not None and not monitor.last.reachable


async def test_the_web_app_shows_the_probe_beside_the_status_and_flags_staff(tmp_path, monkeypatch):
    """The real web app with PROBE_URLS: the background check, the public label, the staff flag."""
    from aiohttp.test_utils import TestClient, TestServer

    from bot import settings
    from bot.stores import build_stores
    from bot.web.app import create_app

    mode = {"mode": "up"}
    runner, url = await fake_platform(mode)
    monkeypatch.setattr(settings, "PROBE_URLS", (url,))
    monkeypatch.setattr(settings, "PROBE_INTERVAL_SECONDS", 0.2)
    monkeypatch.setattr(settings, "PROBE_TIMEOUT_SECONDS", 0.5)
    monkeypatch.setattr(settings, "PROBE_DISAGREE_SECONDS", 0.5)
    monkeypatch.setattr(settings, "TRACKER_DB", tmp_path / "tracker.db")
    app = create_app(build_stores(f"sqlite:///{tmp_path / 'web.db'}"), staff_token="t")
    client = TestClient(TestServer(app))
    await client.start_server()
    try:
        await asyncio.sleep(1.0)
        status = await (await client.get("/api/status")).json()
        assert status["state"] == "suspended"  # staff's state, untouched
        assert status["probe"]["label"].startswith("自动检测：平台当前可访问")
        assert (await client.get("/api/status/probe")).status == 401
        staff = await (await client.get("/api/status/probe", headers={"Authorization": "Bearer t"})).json()
        assert staff["flagged"] and staff["official_state"] == "suspended"
        mode["mode"] = "error"  # the platform goes down: agrees with "suspended", flag gone
        await asyncio.sleep(0.8)
        status = await (await client.get("/api/status")).json()
        assert "无法访问" in status["probe"]["label"] and status["state"] == "suspended"
        staff = await (await client.get("/api/status/probe", headers={"Authorization": "Bearer t"})).json()
        assert not staff["flagged"]
        console_script = await client.get("/console/static/console_probe.js")
        assert console_script.status == 200 and "status-probe" in await console_script.text()
    finally:
        await client.close()
        await runner.cleanup()
