"""A fake WeChat server API on loopback, recording what the channel sends.

    python -m tests.fakes.wechat_api PORT

/cgi-bin/stable_token hands out tokens (and counts the calls); /cgi-bin/message/custom/send
records customer-service messages, answers 40001 for a token it did not hand out most
recently, and 45015 (outside the 48-hour window) for the OpenID "user-outside-window".
GET /_calls returns what was recorded; POST /_reset clears it.
"""

import sys

from aiohttp import web

state = {"tokens": 0, "messages": [], "rejected": 0}


def current_token() -> str:
    return f"TOKEN-{state['tokens']}"


async def stable_token(request: web.Request) -> web.Response:
    body = await request.json()
    if not body.get("appid") or not body.get("secret"):
        return web.json_response({"errcode": 40013, "errmsg": "invalid appid"})
    state["tokens"] += 1
    return web.json_response({"access_token": current_token(), "expires_in": 7200})


async def custom_send(request: web.Request) -> web.Response:
    if request.query.get("access_token") != current_token():
        state["rejected"] += 1
        return web.json_response({"errcode": 40001, "errmsg": "invalid credential"})
    body = await request.json()
    if body.get("touser") == "user-outside-window":
        return web.json_response({"errcode": 45015, "errmsg": "response out of time limit"})
    state["messages"].append(body)
    return web.json_response({"errcode": 0, "errmsg": "ok"})


async def calls(_request: web.Request) -> web.Response:
    return web.json_response(state)


async def reset(_request: web.Request) -> web.Response:
    state["messages"].clear()
    return web.json_response(state)


def main() -> None:
    app = web.Application()
    app.router.add_post("/cgi-bin/stable_token", stable_token)
    app.router.add_post("/cgi-bin/message/custom/send", custom_send)
    app.router.add_get("/_calls", calls)
    app.router.add_post("/_reset", reset)
    app.router.add_get("/health", lambda _r: web.json_response({"ok": True}))
    web.run_app(app, host="127.0.0.1", port=int(sys.argv[1]), print=None)


if __name__ == "__main__":
    main()
