"""A fake WeCom API on loopback speaking the documented JSON of 微信客服 and the group robot.

    python -m tests.fakes.wecom_api PORT

- GET /cgi-bin/gettoken: a new access token each call (counted); a wrong corpsecret: 40001.
- POST /cgi-bin/kf/sync_msg: the pushed items in pages of PAGE (has_more, next_cursor = the
  index reached); a token not handed out by /_push: 95007; an old access token: 42001.
- POST /cgi-bin/kf/send_msg: recorded; WeCom's rules enforced: 95018 while a servicer has the
  session, 95001 after 5 sends since the customer's last message, or an errcode forced for a
  user with /_refuse.
- POST /cgi-bin/kf/send_msg_on_event: needs an unused welcome_code from an enter_session push.
- POST /cgi-bin/kf/service_state/trans: records the state (3 needs servicer_userid).
- POST /cgi-bin/webhook/send?key=…: a group robot; recorded.
- POST /cgi-bin/message/send: an internal app's message; recorded.
Test controls: POST /_push {"items": [...]} (returns the callback token), POST /_expire_token,
POST /_refuse {"user": …, "errcode": …}, GET /_calls, POST /_reset (the records, not the log).
"""

import sys
import time

from aiohttp import web

PAGE = 2
QUOTA = 5

state = {}


def reset() -> None:
    state.clear()
    state.update(
        tokens=0,
        items=[],
        callback_tokens=[],
        sent=[],
        welcomes=[],
        transfers=[],
        robot=[],
        app_messages=[],
        sync_calls=[],
        service_state={},
        since_customer={},
        codes=[],
        refuse={},
        expired=[],
    )


reset()


def current_token() -> str:
    return f"WTOKEN-{state['tokens']}"


def token_error(request: web.Request):
    token = request.query.get("access_token")
    if token in state["expired"]:
        return web.json_response({"errcode": 42001, "errmsg": "access_token expired"})
    if token != current_token():
        return web.json_response({"errcode": 40014, "errmsg": "invalid access_token"})
    return None


async def gettoken(request: web.Request) -> web.Response:
    if request.query.get("corpsecret") != "kf-secret" and request.query.get("corpsecret") != "app-secret":
        return web.json_response({"errcode": 40001, "errmsg": "invalid credential"})
    state["tokens"] += 1
    return web.json_response({"errcode": 0, "errmsg": "ok", "access_token": current_token(), "expires_in": 7200})


async def sync_msg(request: web.Request) -> web.Response:
    problem = token_error(request)
    if problem is not None:
        return problem
    body = await request.json()
    state["sync_calls"].append(body)
    if body.get("token") and body["token"] not in state["callback_tokens"]:
        return web.json_response({"errcode": 95007, "errmsg": "invalid msg token"})
    start = int(body.get("cursor") or 0)
    end = min(start + min(int(body.get("limit") or 1000), PAGE), len(state["items"]))
    return web.json_response(
        {
            "errcode": 0,
            "errmsg": "ok",
            "next_cursor": str(end),
            "has_more": int(end < len(state["items"])),
            "msg_list": state["items"][start:end],
        }
    )


async def send_msg(request: web.Request) -> web.Response:
    problem = token_error(request)
    if problem is not None:
        return problem
    body = await request.json()
    user = body.get("touser", "")
    if user in state["refuse"]:
        return web.json_response({"errcode": state["refuse"][user], "errmsg": "refused (forced by the test)"})
    if state["service_state"].get(user, 1) in (2, 3):
        return web.json_response({"errcode": 95018, "errmsg": "send msg session status invalid"})
    if state["since_customer"].get(user, 0) >= QUOTA:
        return web.json_response({"errcode": 95001, "errmsg": "send msg count limit"})
    state["since_customer"][user] = state["since_customer"].get(user, 0) + 1
    state["sent"].append(body)
    return web.json_response({"errcode": 0, "errmsg": "ok", "msgid": body.get("msgid") or f"m{len(state['sent'])}"})


async def send_msg_on_event(request: web.Request) -> web.Response:
    problem = token_error(request)
    if problem is not None:
        return problem
    body = await request.json()
    if body.get("code") not in state["codes"]:
        return web.json_response({"errcode": 95009, "errmsg": "invalid welcome code"})
    state["codes"].remove(body["code"])
    state["welcomes"].append(body)
    return web.json_response({"errcode": 0, "errmsg": "ok", "msgid": body.get("msgid") or "w1"})


async def trans(request: web.Request) -> web.Response:
    problem = token_error(request)
    if problem is not None:
        return problem
    body = await request.json()
    if body.get("service_state") == 3 and not body.get("servicer_userid"):
        return web.json_response({"errcode": 95014, "errmsg": "servicer required"})
    state["transfers"].append(body)
    state["service_state"][body.get("external_userid", "")] = body.get("service_state")
    return web.json_response({"errcode": 0, "errmsg": "ok", "msg_code": "MSG_CODE"})


async def robot(request: web.Request) -> web.Response:
    state["robot"].append({"key": request.query.get("key"), **(await request.json())})
    return web.json_response({"errcode": 0, "errmsg": "ok"})


async def app_message(request: web.Request) -> web.Response:
    problem = token_error(request)
    if problem is not None:
        return problem
    state["app_messages"].append(await request.json())
    return web.json_response({"errcode": 0, "errmsg": "ok"})


async def push(request: web.Request) -> web.Response:
    """Customer messages and events arrive: appended to the log; a callback token is issued."""
    for item in (await request.json())["items"]:
        item.setdefault("send_time", int(time.time()))
        if item.get("origin") == 3:
            state["since_customer"][item.get("external_userid", "")] = 0
        code = (item.get("event") or {}).get("welcome_code")
        if code:
            state["codes"].append(code)
        state["items"].append(item)
    token = f"ENC{len(state['callback_tokens'])}"
    state["callback_tokens"].append(token)
    return web.json_response({"token": token})


async def expire_token(_request: web.Request) -> web.Response:
    state["expired"].append(current_token())
    return web.json_response({"expired": state["expired"]})


async def refuse(request: web.Request) -> web.Response:
    body = await request.json()
    state["refuse"][body["user"]] = int(body["errcode"])
    return web.json_response(state["refuse"])


async def calls(_request: web.Request) -> web.Response:
    return web.json_response(state)


async def do_reset(_request: web.Request) -> web.Response:
    """Clear what was recorded; the message log stays (WeCom's cursors point into it)."""
    for name in ("sent", "welcomes", "transfers", "robot", "app_messages", "sync_calls"):
        state[name].clear()
    return web.json_response(state)


def app() -> web.Application:
    application = web.Application()
    application.router.add_get("/cgi-bin/gettoken", gettoken)
    application.router.add_post("/cgi-bin/kf/sync_msg", sync_msg)
    application.router.add_post("/cgi-bin/kf/send_msg", send_msg)
    application.router.add_post("/cgi-bin/kf/send_msg_on_event", send_msg_on_event)
    application.router.add_post("/cgi-bin/kf/service_state/trans", trans)
    application.router.add_post("/cgi-bin/webhook/send", robot)
    application.router.add_post("/cgi-bin/message/send", app_message)
    application.router.add_post("/_push", push)
    application.router.add_post("/_expire_token", expire_token)
    application.router.add_post("/_refuse", refuse)
    application.router.add_get("/_calls", calls)
    application.router.add_post("/_reset", do_reset)
    application.router.add_get("/health", lambda _r: web.json_response({"ok": True}))
    return application


def main() -> None:
    web.run_app(app(), host="127.0.0.1", port=int(sys.argv[1]), print=None)


if __name__ == "__main__":
    main()
