"""The status client against a real aiohttp server on loopback: good, slow, 500, malformed."""
import asyncio
from aiohttp import web

from bot.status.client import status_feed
from bot.status.phrasing import describe

GOOD = {
    "state": "suspended", "message": "维护中", "started_at": None,
    "expected_resume_at": "2031-12-03T09:00:00+08:00", "source_url": "https://example.gov.cn/n",
    "updated_at": "2031-12-01T08:00:00+08:00", "updated_by": "staff",
}


async def feed(aiohttp_mode):
    """A feed whose behaviour the test switches: good, slow, error, malformed."""
    async def handler(_request):
        mode = aiohttp_mode["mode"]
        if mode == "slow":
            await asyncio.sleep(1.0)
        if mode == "error":
            return web.Response(status=500, text="boom")
        if mode == "malformed":
            return web.Response(text="{not json", content_type="application/json")
        if mode == "invalid":
            return web.json_response({**GOOD, "state": "exploded"})
        return web.json_response(GOOD)

    app = web.Application()
    app.router.add_get("/api/status", handler)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]
    return runner, f"http://127.0.0.1:{port}/api/status"


async def test_cache_then_last_known_on_every_failure_mode():
    mode = {"mode": "good"}
    runner, url = await feed(mode)
    try:
        client = status_feed(url=url, timeout=0.3, cache_seconds=0)
        reading = await client.read()
        assert reading.fresh and reading.value.state == "suspended"
        for failure in ("slow", "error", "malformed", "invalid"):
            mode["mode"] = failure
            reading = await client.read()
            assert not reading.fresh, failure
            assert reading.value.expected_resume_at.isoformat() == "2031-12-03T09:00:00+08:00"
            assert "可能已过时" in describe(reading)
    finally:
        await runner.cleanup()


async def test_cache_serves_within_its_period():
    mode = {"mode": "good"}
    runner, url = await feed(mode)
    try:
        client = status_feed(url=url, timeout=0.3, cache_seconds=60)
        assert (await client.read()).fresh
        mode["mode"] = "error"
        assert (await client.read()).fresh  # still the cached, fresh reading
    finally:
        await runner.cleanup()


async def test_nothing_known_gives_the_notice_guidance():
    client = status_feed(url="http://127.0.0.1:9/api/status", timeout=0.3, cache_seconds=0)
    reading = await client.read()
    assert reading.value is None and not reading.fresh
    text = describe(reading)
    assert "尚未公布" in text and "以广州市税务局正式公告为准" in text
