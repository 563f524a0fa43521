"""The status client against a real aiohttp server on loopback: good, slow, 500, malformed."""

import asyncio

from aiohttp import web

from bot.status.client import status_feed
from bot.status.phrasing import describe

GOOD = {
    "state": "suspended",
    "message": "维护中",
    "started_at": None,
    "expected_resume_at": "2031-12-03T09:00:00+08:00",
    "source_url": "https://example.gov.cn/n",
    "updated_at": "2031-12-01T08:00:00+08:00",
    "updated_by": "staff",
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


async def test_every_read_revalidates_with_the_etag_and_sees_a_change_at_once():
    """An unchanged status costs a 304 with no body; a changed one is read on the next call."""
    seen = {"requests": 0, "not_modified": 0, "body": dict(GOOD)}

    async def handler(request):
        seen["requests"] += 1
        etag = '"%s"' % seen["body"]["state"]
        if request.headers.get("If-None-Match") == etag:
            seen["not_modified"] += 1
            return web.Response(status=304, headers={"ETag": etag})
        return web.json_response(seen["body"], headers={"ETag": etag})

    app = web.Application()
    app.router.add_get("/api/status", handler)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    url = f"http://127.0.0.1:{site._server.sockets[0].getsockname()[1]}/api/status"
    try:
        client = status_feed(url=url, timeout=0.5, cache_seconds=0)
        for _ in range(3):
            assert (await client.read()).value.state == "suspended"
        assert seen["requests"] == 3 and seen["not_modified"] == 2
        seen["body"] = {**GOOD, "state": "normal"}
        reading = await client.read()
        assert reading.fresh and reading.value.state == "normal"
    finally:
        await runner.cleanup()


async def test_a_dead_feed_is_not_asked_again_before_the_retry_period():
    mode = {"mode": "good"}
    runner, url = await feed(mode)
    try:
        client = status_feed(url=url, timeout=0.3, cache_seconds=0)
        client.retry_seconds = 60
        assert (await client.read()).fresh
        mode["mode"] = "slow"
        assert not (await client.read()).fresh
        loop = asyncio.get_running_loop()
        started = loop.time()
        reading = await client.read()  # answered at once from the last known status
        assert not reading.fresh and reading.value.state == "suspended"
        assert loop.time() - started < 0.1
        mode["mode"] = "good"
        assert (await client.read(max_age=0)).fresh  # a caller may insist
    finally:
        await runner.cleanup()


async def test_readers_queued_behind_a_request_share_the_next_one_never_an_older_one():
    """Ten readers cost two requests, and a reader that asked after a change sees the change."""
    state = {"state": "suspended", "requests": 0, "peers": set()}

    async def handler(request):
        state["requests"] += 1
        state["peers"].add(request.transport.get_extra_info("peername"))
        answer = {**GOOD, "state": state["state"]}  # what the status is when the request arrives
        await asyncio.sleep(0.2)
        return web.json_response(answer)

    app = web.Application()
    app.router.add_get("/api/status", handler)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]
    try:
        client = status_feed(url=f"http://127.0.0.1:{port}/api/status", timeout=2, cache_seconds=0)
        first = asyncio.ensure_future(client.read())
        await asyncio.sleep(0.05)  # its request is out, with the old status
        state["state"] = "normal"  # staff change it
        later = await asyncio.gather(*(client.read() for _ in range(9)))
        assert (await first).value.state == "suspended"
        assert all(r.fresh and r.value.state == "normal" for r in later)  # none got the older answer
        assert state["requests"] == 2  # the nine shared one
        await client.read()
        assert len(state["peers"]) == 1  # one kept connection
    finally:
        await runner.cleanup()
