"""微信客服 end to end: the running Rasa server's wecom_kf channel, the fake WeCom API, and
wechatpy's WeCom crypto (wechatpy.enterprise.crypto, WXBizMsgCrypt with the corp id) as WeCom.

enter session → welcome → question → answer → 转人工 → transfer → staff notified → console
release → back to the bot; forged, replayed and malformed callbacks refused.
"""

import time
import urllib.error
import urllib.parse
import urllib.request
import uuid

from wechatpy.enterprise.crypto import WeChatCrypto

from bot.wechat.messages import parse_xml
from tests.conftest import RASA_TOKEN, STAFF_TOKEN, WECOM
from tests.e2e.test_live_status import http

PEER = WeChatCrypto(WECOM["token"], WECOM["aes_key"], WECOM["corp_id"])
KFID = WECOM["open_kfid"]


def post(servers, body, query):
    url = f"{servers.rasa}/webhooks/wecom_kf/webhook?{urllib.parse.urlencode(query)}"
    request = urllib.request.Request(url, data=body if isinstance(body, bytes) else body.encode(), method="POST")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def callback(token, timestamp=None, nonce=None):
    """What WeCom posts: the kf_msg_or_event event, encrypted and signed by wechatpy."""
    timestamp, nonce = timestamp or str(int(time.time())), nonce or uuid.uuid4().hex[:10]
    event = (
        f"<xml><ToUserName><![CDATA[{WECOM['corp_id']}]]></ToUserName><CreateTime>{timestamp}</CreateTime>"
        f"<MsgType><![CDATA[event]]></MsgType><Event><![CDATA[kf_msg_or_event]]></Event>"
        f"<Token><![CDATA[{token}]]></Token><OpenKfId><![CDATA[{KFID}]]></OpenKfId></xml>"
    )
    outer = parse_xml(PEER.encrypt_message(event, nonce, timestamp))
    body = (
        f"<xml><ToUserName><![CDATA[{WECOM['corp_id']}]]></ToUserName>"
        f"<Encrypt><![CDATA[{outer['Encrypt']}]]></Encrypt><AgentID><![CDATA[]]></AgentID></xml>"
    )
    return body, {"msg_signature": outer["MsgSignature"], "timestamp": timestamp, "nonce": nonce}


def fake(servers):
    return http("GET", f"{servers.wecom_api}/_calls")[1]


def push(servers, *items):
    return http("POST", f"{servers.wecom_api}/_push", {"items": list(items)})[1]["token"]


def text(user, content, menu_id=None):
    body = {"content": content, **({"menu_id": menu_id} if menu_id else {})}
    return {
        "msgid": uuid.uuid4().hex,
        "open_kfid": KFID,
        "external_userid": user,
        "origin": 3,
        "msgtype": "text",
        "text": body,
    }


def wait_for(predicate, seconds=20):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.3)
    raise AssertionError("timed out")


def sent_to(servers, user):
    return [m for m in fake(servers)["sent"] if m["touser"] == user]


def content(message):
    if message["msgtype"] == "text":
        return message["text"]["content"]
    menu = message["msgmenu"]
    return menu["head_content"] + "|" + "|".join(i["click"]["content"] for i in menu["list"])


def deliver(servers, *items):
    """Items arrive at WeCom, WeCom calls back, the channel pulls."""
    assert post(servers, *callback(push(servers, *items))) == (200, "success")


def user_turns(servers, user):
    tracker = http("GET", f"{servers.rasa}/conversations/{user}/tracker?token={RASA_TOKEN}")[1]
    return [e["text"] for e in tracker["events"] if e["event"] == "user"]


def test_url_verification_with_the_encrypted_echostr(servers):
    timestamp, nonce = str(int(time.time())), uuid.uuid4().hex[:10]
    echo = parse_xml(PEER.encrypt_message("echo-1234567890", nonce, timestamp))
    query = {"msg_signature": echo["MsgSignature"], "timestamp": timestamp, "nonce": nonce, "echostr": echo["Encrypt"]}
    url = f"{servers.rasa}/webhooks/wecom_kf/webhook?{urllib.parse.urlencode(query)}"
    with urllib.request.urlopen(url) as response:
        assert response.read() == b"echo-1234567890"
    for bad in ({**query, "msg_signature": "0" * 40}, {**query, "timestamp": "1000000000"}):
        try:
            urllib.request.urlopen(f"{servers.rasa}/webhooks/wecom_kf/webhook?{urllib.parse.urlencode(bad)}")
            raise AssertionError("answered a bad URL check")
        except urllib.error.HTTPError as error:
            assert error.code == 403


def test_visitor_journey_welcome_answer_handoff_notification_release(servers):
    http("POST", f"{servers.wecom_api}/_reset", {})
    user = f"wm-{uuid.uuid4().hex[:10]}"
    deliver(
        servers,
        {
            "msgid": uuid.uuid4().hex,
            "open_kfid": KFID,
            "origin": 4,
            "msgtype": "event",
            "event": {
                "event_type": "enter_session",
                "open_kfid": KFID,
                "external_userid": user,
                "scene": "oa_menu",
                "welcome_code": "WELCOME-E2E",
            },
        },
    )
    welcome = wait_for(lambda: fake(servers)["welcomes"])[0]
    assert welcome["code"] == "WELCOME-E2E" and welcome["msgtype"] == "msgmenu"
    assert "自动咨询助手" in welcome["msgmenu"]["head_content"]

    deliver(servers, text(user, "网上开不了发票怎么办"))
    answer = wait_for(lambda: sent_to(servers, user))[0]
    assert "线下" in content(answer) and "**" not in content(answer)
    assert answer["msgtype"] == "msgmenu"  # its buttons as a 菜单消息
    clicks = {i["click"]["content"]: i["click"]["id"] for i in answer["msgmenu"]["list"]}

    deliver(servers, text(user, "转人工", menu_id=clicks["转人工"]))  # a click on the menu item
    wait_for(lambda: fake(servers)["transfers"])
    assert fake(servers)["transfers"] == [
        {"open_kfid": KFID, "external_userid": user, "service_state": 3, "servicer_userid": WECOM["servicer"]}
    ]
    assert "人工" in content(sent_to(servers, user)[-1])
    assert user_turns(servers, user)[-1] == "/request_human"

    queue = http("GET", f"{servers.web}/api/handoffs", token=STAFF_TOKEN)[1]["handoffs"]
    handoff = next(h for h in queue if h["conversation_id"] == user)
    assert handoff["channel"] == "wecom_kf"
    robot = wait_for(lambda: [r for r in fake(servers)["robot"] if user in r["markdown"]["content"]])
    note = robot[0]["markdown"]["content"]
    assert robot[0]["key"] == WECOM["robot_key"] and "网上开不了发票怎么办" in note and "用户要求转人工" in note
    assert f"/console#handoff-{handoff['id']}" in note and "微信客服" in note

    # while the WeCom servicer has the session the bot sends nothing; the console cannot either
    sent_before = len(sent_to(servers, user))
    deliver(servers, text(user, "人呢"))
    wait_for(lambda: "人呢" in user_turns(servers, user))
    base = f"{servers.web}/api/handoffs/{handoff['id']}"
    assert http("POST", f"{base}/reply", {"text": "您好"}, STAFF_TOKEN)[0] == 502  # WeCom would refuse: not recorded
    time.sleep(0.5)
    assert len(sent_to(servers, user)) == sent_before

    # the console releases it: back to the bot in WeCom, and the visitor hears it
    assert http("POST", f"{base}/release", token=STAFF_TOKEN)[0] == 200
    assert fake(servers)["transfers"][-1]["service_state"] == 1
    wait_for(lambda: len(sent_to(servers, user)) > sent_before)
    deliver(servers, text(user, "为什么暂停开票"))
    wait_for(lambda: "维护" in content(sent_to(servers, user)[-1]))


def test_forged_replayed_and_malformed_callbacks_reach_no_conversation(servers):
    http("POST", f"{servers.wecom_api}/_reset", {})
    user = f"wm-{uuid.uuid4().hex[:10]}"
    token = push(servers, text(user, "为什么暂停开票"))
    body, query = callback(token)
    assert post(servers, body, {**query, "msg_signature": "0" * 40})[0] == 403
    assert post(servers, *callback(token, timestamp="1000000000"))[0] == 403
    assert post(servers, body.replace("<Encrypt>", "<Encrypt>x"), query)[0] == 403
    plain = f"<xml><Event>kf_msg_or_event</Event><Token>{token}</Token></xml>"
    assert post(servers, plain, query)[0] == 403
    assert post(servers, "<xml><Encrypt>", query)[0] == 400
    assert post(servers, b"<xml>" + b"x" * 70_000 + b"</xml>", query)[0] == 413
    time.sleep(0.5)
    assert fake(servers)["sync_calls"] == [] and user_turns(servers, user) == []
    # the genuine callback is answered once; its replay with another body is refused
    assert post(servers, body, query) == (200, "success")
    wait_for(lambda: sent_to(servers, user))
    other_body, _ = callback(token, timestamp=query["timestamp"], nonce=query["nonce"])
    assert post(servers, other_body, query)[0] == 403


def test_a_message_seen_again_and_unknown_types_get_no_duplicate_answer(servers):
    http("POST", f"{servers.wecom_api}/_reset", {})
    user = f"wm-{uuid.uuid4().hex[:10]}"
    message = text(user, "为什么暂停开票")
    deliver(servers, message)
    wait_for(lambda: sent_to(servers, user))
    deliver(
        servers,
        dict(message),
        {
            "msgid": uuid.uuid4().hex,
            "open_kfid": KFID,
            "external_userid": user,
            "origin": 3,
            "msgtype": "image",
            "image": {"media_id": "m"},
        },
    )
    reply = wait_for(lambda: sent_to(servers, user)[1:])
    time.sleep(1)
    assert len(sent_to(servers, user)) == 2 and "文字" in content(reply[0])
    assert user_turns(servers, user) == ["为什么暂停开票"]


def test_a_location_finds_the_service_points(servers):
    http("POST", f"{servers.wecom_api}/_reset", {})
    user = f"wm-{uuid.uuid4().hex[:10]}"
    deliver(
        servers,
        {
            "msgid": uuid.uuid4().hex,
            "open_kfid": KFID,
            "external_userid": user,
            "origin": 3,
            "msgtype": "location",
            "location": {"latitude": 23.12, "longitude": 113.33, "name": "天河", "address": "广州市天河区"},
        },
    )
    reply = content(wait_for(lambda: sent_to(servers, user))[0])
    assert "离您最近" in reply or "哪个区" in reply or "位置" in reply
    assert user_turns(servers, user) == ["/find_service_point"]


def test_a_handoff_from_any_channel_notifies_staff_once_and_the_console_reply_reaches_the_visitor(servers):
    from tests.e2e.chat import Chat, texts

    http("POST", f"{servers.wecom_api}/_reset", {})
    chat = Chat(servers.rasa)
    chat.say("电子发票什么时候能恢复")
    assert "转接人工" in texts(chat.say("我要找真人"))
    chat.say("人呢")
    chat.say("转人工")  # already queued: no second notification
    notes = wait_for(lambda: [r for r in fake(servers)["robot"] if chat.sender in r["markdown"]["content"]])
    time.sleep(1)
    assert len([r for r in fake(servers)["robot"] if chat.sender in r["markdown"]["content"]]) == 1
    assert "电子发票什么时候能恢复" in notes[0]["markdown"]["content"] and "接口" in notes[0]["markdown"]["content"]
    queue = http("GET", f"{servers.web}/api/handoffs", token=STAFF_TOKEN)[1]["handoffs"]
    handoff = next(h for h in queue if h["conversation_id"] == chat.sender)
    assert (
        http("POST", f"{servers.web}/api/handoffs/{handoff['id']}/reply", {"text": "您好，我是客服小王"}, STAFF_TOKEN)[
            0
        ]
        == 200
    )
    tracker = http("GET", f"{servers.rasa}/conversations/{chat.sender}/tracker?token={RASA_TOKEN}")[1]
    assert any("您好，我是客服小王" in (e.get("text") or "") for e in tracker["events"] if e["event"] == "bot")


def test_staff_notified_of_a_wechat_handoff_and_the_console_reply_goes_out_on_wechat(servers):
    from tests.e2e.test_wechat import say, text_xml

    http("POST", f"{servers.wecom_api}/_reset", {})
    http("POST", f"{servers.wechat_api}/_reset", {})
    openid = f"user-{uuid.uuid4().hex[:8]}"
    assert say(servers, text_xml(openid, "我要找真人", 880001))[0] == 200
    note = wait_for(lambda: [r for r in fake(servers)["robot"] if openid in r["markdown"]["content"]])[0]
    assert "公众号" in note["markdown"]["content"] and "我要找真人" in note["markdown"]["content"]
    queue = http("GET", f"{servers.web}/api/handoffs", token=STAFF_TOKEN)[1]["handoffs"]
    handoff = next(h for h in queue if h["conversation_id"] == openid)
    assert (
        http("POST", f"{servers.web}/api/handoffs/{handoff['id']}/reply", {"text": "您好，我是客服小王"}, STAFF_TOKEN)[
            0
        ]
        == 200
    )
    sent = wait_for(
        lambda: [m for m in http("GET", f"{servers.wechat_api}/_calls")[1]["messages"] if m["touser"] == openid]
    )
    assert "您好，我是客服小王" in sent[0]["text"]["content"]


def test_a_restart_of_rasa_neither_loses_nor_repeats(servers):
    import signal

    http("POST", f"{servers.wecom_api}/_reset", {})
    user = f"wm-{uuid.uuid4().hex[:10]}"
    deliver(servers, text(user, "为什么暂停开票"))
    wait_for(lambda: sent_to(servers, user))
    rasa = servers.procs["rasa"]
    rasa.send_signal(signal.SIGTERM)
    rasa.wait(timeout=30)
    try:
        push(servers, text(user, "什么时候恢复开票"))  # arrives while the server is down
    finally:
        servers.start_rasa()
    deliver(servers, text(user, "转人工"))  # the next callback pulls both, from the saved cursor
    wait_for(lambda: len(user_turns(servers, user)) >= 3, seconds=30)
    time.sleep(1)
    assert user_turns(servers, user) == ["为什么暂停开票", "什么时候恢复开票", "转人工"]
    assert len(sent_to(servers, user)) == 3  # one answer each, the first not repeated
