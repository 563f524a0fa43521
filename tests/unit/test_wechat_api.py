"""The access token is fetched once for concurrent senders, and refreshed once when rejected."""

import asyncio

import pytest
from aiohttp import web

from bot.wechat.api import WeChatApi, WeChatApiError


async def fake_wechat(state):
    async def stable_token(_request):
        state["fetches"] += 1
        await asyncio.sleep(0.05)  # slow enough for callers to overlap
        return web.json_response({"access_token": f"T{state['fetches']}", "expires_in": 7200})

    async def send(request):
        if request.query["access_token"] in state["revoked"]:
            return web.json_response({"errcode": 40001, "errmsg": "invalid credential"})
        if (await request.json())["touser"] == "late":
            return web.json_response({"errcode": 45015, "errmsg": "response out of time limit"})
        state["sent"] += 1
        return web.json_response({"errcode": 0})

    app = web.Application()
    app.router.add_post("/cgi-bin/stable_token", stable_token)
    app.router.add_post("/cgi-bin/message/custom/send", send)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    return runner, f"http://127.0.0.1:{site._server.sockets[0].getsockname()[1]}"


async def test_concurrent_senders_share_one_token_and_refresh_once():
    state = {"fetches": 0, "sent": 0, "revoked": set()}
    runner, base = await fake_wechat(state)
    try:
        api = WeChatApi("wx-app", "secret", base)
        await asyncio.gather(*(api.send_text(f"user{i}", "hi") for i in range(20)))
        assert state == {"fetches": 1, "sent": 20, "revoked": set()}
        state["revoked"].add("T1")  # WeChat invalidated the token
        await asyncio.gather(*(api.send_text(f"user{i}", "again") for i in range(10)))
        assert state["fetches"] == 2 and state["sent"] == 30
        with pytest.raises(WeChatApiError) as error:
            await api.send_text("late", "outside the window")
        assert error.value.errcode == 45015
    finally:
        await runner.cleanup()
