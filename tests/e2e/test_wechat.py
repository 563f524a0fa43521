"""The WeChat channel on the running Rasa server (safe mode), with wechatpy as WeChat's side."""

import asyncio
import hashlib
import signal
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid

from aiohttp import web
from wechatpy.crypto import WeChatCrypto

from bot.wechat.messages import parse_xml
from tests.conftest import RASA_TOKEN, WECHAT
from tests.e2e.test_live_status import http, put_status

SAMPLE_ENCRYPT = (
    "RypEvHKD8QQKFhvQ6QleEB4J58tiPdvo+rtK1I9qca6aM/wvqnLSV5zEPeusUiX5L5X/0lWfrf0QADHHhGd3QczcdCUpj911L3vg3W/"
    "sYYvuJTs3TUUkSUXxaccAS0qhxchrRYt66wiSpGLYL42aM6A8dTT+6k4aSknmPj48kzJs8qLjvd4Xgpue06DOdnLxAUHzM6+kDZ+HMZfJ"
    "YuR+LtwGc2hgf5gsijff0ekUNXZiqATP7PF5mZxZ3Izoun1s4zG4LUMnvw2r+KqCKIw+3IQH03v+BCA9nMELNqbSf6tiWSrXJB3LAVGU"
    "callcrw8V2t9EL4EhzJWrQUax5wLVMNS0+rUPA3k22Ncx4XXZS9o0MBH27Bo6BpNelZpS+/uh9KsNlY6bHCmJU9p8g7m3fVKn28H3KDYA"
    "5Pl/T8Z1ptDAVe0lXdQ2YoyyH2uyPIGHBZZIs2pDBS8R07+qN+E7Q=="
)


def sign(*parts):
    return hashlib.sha1("".join(sorted(parts)).encode()).hexdigest()


def webhook(servers, body, params):
    url = f"{servers.rasa}/webhooks/wechat/webhook?{urllib.parse.urlencode(params)}"
    request = urllib.request.Request(url, data=body if isinstance(body, bytes) else body.encode(), method="POST")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def plain_params(timestamp=None, nonce=None):
    timestamp, nonce = timestamp or str(int(time.time())), nonce or uuid.uuid4().hex[:10]
    return {"signature": sign(WECHAT["token"], timestamp, nonce), "timestamp": timestamp, "nonce": nonce, "openid": "x"}


PEER = WeChatCrypto(WECHAT["token"], WECHAT["aes_key"], WECHAT["app_id"])


def encrypted(xml, timestamp=None, nonce=None):
    """What WeChat posts in safe mode: (body, query) made by wechatpy."""
    timestamp, nonce = timestamp or str(int(time.time())), nonce or uuid.uuid4().hex[:10]
    outer = parse_xml(PEER.encrypt_message(xml, nonce, timestamp))
    body = f"<xml><ToUserName><![CDATA[gh_test]]></ToUserName><Encrypt><![CDATA[{outer['Encrypt']}]]></Encrypt></xml>"
    return body, {**plain_params(timestamp, nonce), "encrypt_type": "aes", "msg_signature": outer["MsgSignature"]}


def decrypted(reply):
    """A passive reply as wechatpy reads it ("success" stays plain)."""
    if reply == "success":
        return reply
    outer = parse_xml(reply)
    return PEER.decrypt_message(reply, outer["MsgSignature"], outer["TimeStamp"], outer["Nonce"])


def say_raw(servers, body, query):
    status, reply = webhook(servers, body, query)
    return status, decrypted(reply) if status == 200 else reply


def say(servers, xml):
    """Post one message as WeChat does in safe mode: (status, decrypted reply)."""
    return say_raw(servers, *encrypted(xml))


def text_xml(openid, content, msg_id):
    return (
        f"<xml><ToUserName><![CDATA[gh_test]]></ToUserName><FromUserName><![CDATA[{openid}]]></FromUserName>"
        f"<CreateTime>{int(time.time())}</CreateTime><MsgType><![CDATA[text]]></MsgType>"
        f"<Content><![CDATA[{content}]]></Content><MsgId>{msg_id}</MsgId></xml>"
    )


def user_turns(servers, openid):
    tracker = http("GET", f"{servers.rasa}/conversations/{openid}/tracker?token={RASA_TOKEN}")[1]
    return [e for e in tracker["events"] if e["event"] == "user"]


def fake_calls(servers):
    return http("GET", f"{servers.wechat_api}/_calls")[1]


def test_url_verification_and_forged_signatures(servers):
    params = plain_params()
    url = f"{servers.rasa}/webhooks/wechat/webhook?{urllib.parse.urlencode({**params, 'echostr': 'abc123'})}"
    with urllib.request.urlopen(url) as response:
        assert response.read() == b"abc123"
    stale = plain_params(timestamp=str(int(time.time()) - 400))
    url = f"{servers.rasa}/webhooks/wechat/webhook?{urllib.parse.urlencode({**stale, 'echostr': 'abc123'})}"
    try:
        urllib.request.urlopen(url)
        raise AssertionError("a stale verification was answered")
    except urllib.error.HTTPError as error:
        assert error.code == 403
    openid = f"user-{uuid.uuid4().hex[:8]}"
    body, query = encrypted(text_xml(openid, "你好", 1))
    assert webhook(servers, body, {**query, "signature": "0" * 40})[0] == 403
    assert webhook(servers, body, {**query, "msg_signature": "0" * 40})[0] == 403
    assert webhook(servers, text_xml(openid, "你好", 2), {"timestamp": "1", "nonce": "2"})[0] == 403
    assert user_turns(servers, openid) == []


def test_safe_mode_refuses_plaintext_stale_and_replayed_requests(servers):
    openid = f"user-{uuid.uuid4().hex[:8]}"
    # correctly signed plaintext (the plain signature covers no body): refused in safe mode
    assert webhook(servers, text_xml(openid, "你好", 11), plain_params())[0] == 403
    # a validly signed, encrypted message from 2001
    assert webhook(servers, *encrypted(text_xml(openid, "你好", 12), timestamp="1000000000"))[0] == 403
    # a nonce used again for another message (a captured query string with a new body)
    body, query = encrypted(text_xml(openid, "为什么暂停开票", 13))
    assert say_raw(servers, body, query)[0] == 200
    other_body, other_query = encrypted(
        text_xml(openid, "转人工", 14), timestamp=query["timestamp"], nonce=query["nonce"]
    )
    assert webhook(servers, other_body, other_query)[0] == 403
    assert [e["text"] for e in user_turns(servers, openid)] == ["为什么暂停开票"]


def test_the_same_msgid_from_two_users_is_two_conversations(servers):
    alice, mallory = f"user-{uuid.uuid4().hex[:8]}", f"user-{uuid.uuid4().hex[:8]}"
    status, first = say(servers, text_xml(alice, "为什么暂停开票", 777001))
    assert status == 200 and "维护" in parse_xml(first)["Content"]
    status, second = say(servers, text_xml(mallory, "转人工", 777001))
    assert status == 200 and parse_xml(second)["ToUserName"] == mallory
    assert "维护" not in parse_xml(second)["Content"]
    assert [e["text"] for e in user_turns(servers, mallory)] == ["转人工"]


def test_plain_text_message_gets_a_relevant_reply_to_the_sender(servers):
    openid = f"user-{uuid.uuid4().hex[:8]}"
    status, body = say(servers, text_xml(openid, "网上开不了发票怎么办", 1001))
    assert status == 200
    reply = parse_xml(body)
    assert reply["ToUserName"] == openid and reply["MsgType"] == "text"
    assert "线下" in reply["Content"] and "**" not in reply["Content"]
    assert "回复 1：查找线下服务点" in reply["Content"]
    assert len(reply["Content"].encode()) <= 2048
    # the user's "1" is the first option's payload
    status, body = say(servers, text_xml(openid, "1", 1002))
    assert "区" in parse_xml(body)["Content"]
    assert user_turns(servers, openid)[-1]["text"] == "/find_service_point"


def test_tencent_sample_message_is_a_replay_now(servers):
    """The published sample (correctly signed in 2014) is refused: its timestamp is stale."""
    timestamp, nonce = "1409659813", "1372623149"
    body = (
        f"<xml><ToUserName><![CDATA[{WECHAT['app_id']}]]></ToUserName>"
        f"<Encrypt><![CDATA[{SAMPLE_ENCRYPT}]]></Encrypt><AgentID><![CDATA[218]]></AgentID></xml>"
    )
    params = {
        **plain_params(timestamp, nonce),
        "encrypt_type": "aes",
        "msg_signature": "477715d11cdb4164915debcba66cb864d751f3e6",
    }
    assert webhook(servers, body, params)[0] == 403
    assert user_turns(servers, "mycreate") == []


def test_wechatpy_encrypted_message_gets_an_encrypted_relevant_reply(servers):
    peer = WeChatCrypto(WECHAT["token"], WECHAT["aes_key"], WECHAT["app_id"])
    openid = f"user-{uuid.uuid4().hex[:8]}"
    timestamp, nonce = str(int(time.time())), uuid.uuid4().hex[:10]
    outer = parse_xml(peer.encrypt_message(text_xml(openid, "电子发票以后都不能用了吗", 2001), nonce, timestamp))
    params = {**plain_params(timestamp, nonce), "encrypt_type": "aes", "msg_signature": outer["MsgSignature"]}
    body = f"<xml><ToUserName><![CDATA[gh_test]]></ToUserName><Encrypt><![CDATA[{outer['Encrypt']}]]></Encrypt></xml>"
    status, reply = webhook(servers, body, params)
    assert status == 200
    reply_outer = parse_xml(reply)
    inner = parse_xml(
        peer.decrypt_message(reply, reply_outer["MsgSignature"], reply_outer["TimeStamp"], reply_outer["Nonce"])
    )
    assert inner["ToUserName"] == openid and "临时" in inner["Content"]


def test_three_deliveries_of_one_msgid_record_one_turn(servers):
    openid = f"user-{uuid.uuid4().hex[:8]}"
    body, query = encrypted(text_xml(openid, "为什么暂停开票", 3001))
    results = []

    def deliver():  # WeChat's retries repeat the request
        results.append(say_raw(servers, body, query))

    threads = [threading.Thread(target=deliver) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    deliver()  # a late retry, after the first answer
    assert [status for status, _ in results] == [200, 200, 200]
    contents = {parse_xml(body)["Content"] for _status, body in results}
    assert len(contents) == 1 and "维护" in contents.pop()
    assert len(user_turns(servers, openid)) == 1


def test_message_types(servers):
    openid = f"user-{uuid.uuid4().hex[:8]}"
    now = int(time.time())
    head = f"<ToUserName>gh_test</ToUserName><FromUserName>{openid}</FromUserName><CreateTime>{now}</CreateTime>"
    voice = f"<xml>{head}<MsgType>voice</MsgType><Recognition>为什么暂停开票</Recognition><MsgId>4001</MsgId></xml>"
    assert "维护" in parse_xml(say(servers, voice)[1])["Content"]
    image = f"<xml>{head}<MsgType>image</MsgType><PicUrl>http://x/y.jpg</PicUrl><MsgId>4002</MsgId></xml>"
    assert "文字" in parse_xml(say(servers, image)[1])["Content"]
    subscribe = f"<xml>{head}<MsgType>event</MsgType><Event>subscribe</Event></xml>"
    assert "回复 1" in parse_xml(say(servers, subscribe)[1])["Content"]
    unsubscribe = f"<xml>{head.replace(str(now), str(now + 1))}<MsgType>event</MsgType><Event>unsubscribe</Event></xml>"
    assert say(servers, unsubscribe) == (200, "success")
    location = (
        f"<xml>{head}<MsgType>location</MsgType><Location_X>23.12</Location_X>"
        f"<Location_Y>113.33</Location_Y><Scale>15</Scale><Label>x</Label><MsgId>4003</MsgId></xml>"
    )
    reply = parse_xml(say(servers, location)[1])["Content"]
    assert "离您最近" in reply or "哪个区" in reply or "位置信息" in reply


def test_hostile_xml_is_refused(servers):
    bomb = (
        '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;">]>'
        "<xml><Content>&lol2;</Content></xml>"
    )
    xxe = '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><xml><Content>&e;</Content></xml>'
    for body in (bomb, xxe, "<xml><unclosed>", "not xml at all"):
        assert webhook(servers, body, plain_params())[0] == 400
        assert webhook(servers, *encrypted(body))[0] == 400  # inside the encrypted payload too
    assert webhook(servers, b"<xml>" + b"x" * 70_000 + b"</xml>", plain_params())[0] == 413


def slow_status_server(port, seconds):
    """A status feed that answers after `seconds`, in a thread (the web app is stopped)."""
    loop = asyncio.new_event_loop()
    started = threading.Event()

    async def status(_request):
        await asyncio.sleep(seconds)
        return web.json_response({"state": "suspended", "message": "", "updated_at": "2031-01-01T00:00:00+08:00"})

    async def serve():
        app = web.Application()
        app.router.add_get("/api/status", status)
        runner = web.AppRunner(app)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", port).start()
        started.set()
        return runner

    def run():
        asyncio.set_event_loop(loop)
        runner = loop.run_until_complete(serve())
        loop.run_forever()
        loop.run_until_complete(runner.cleanup())

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    started.wait(10)
    return loop, thread


def test_slow_answer_is_success_then_a_customer_service_message(servers):
    http("POST", f"{servers.wechat_api}/_reset", {})
    web_proc = servers.procs["web"]
    web_proc.send_signal(signal.SIGTERM)
    web_proc.wait(timeout=10)
    port = int(servers.web.rsplit(":", 1)[1])
    loop, thread = slow_status_server(port, 5.5)
    try:
        time.sleep(1.2)  # past the action server's status cache
        openid = f"user-{uuid.uuid4().hex[:8]}"
        started = time.monotonic()
        status, body = say(servers, text_xml(openid, "什么时候恢复开票", 5001))
        assert (status, body) == (200, "success")
        assert time.monotonic() - started < 5.0
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            sent = [m for m in fake_calls(servers)["messages"] if m["touser"] == openid]
            if sent:
                break
            time.sleep(0.3)
        assert sent and "暂停" in sent[0]["text"]["content"]
        assert len(user_turns(servers, openid)) == 1
    finally:
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)
        servers.start_web()


def test_restoration_notice_goes_through_customer_service_within_the_window(servers):
    http("POST", f"{servers.wechat_api}/_reset", {})
    put_status(servers, state="suspended")
    inside = f"user-{uuid.uuid4().hex[:8]}"
    for openid, msg_id in ((inside, 6001), ("user-outside-window", 6002)):
        reply = parse_xml(say(servers, text_xml(openid, "恢复了通知我", msg_id))[1])
        assert "恢复通知" in reply["Content"]
    put_status(servers, state="normal")
    try:
        deadline = time.monotonic() + 15
        sent = []
        while time.monotonic() < deadline and not sent:
            sent = [m for m in fake_calls(servers)["messages"] if m["touser"] == inside]
            time.sleep(0.3)
        assert sent and "【恢复通知】" in sent[0]["text"]["content"]
        time.sleep(1)
        assert not [m for m in fake_calls(servers)["messages"] if m["touser"] == "user-outside-window"]
    finally:
        put_status(servers, state="suspended")


def test_an_english_wechat_visitor_reads_reply_with_a_number_then_chinese_again(servers):
    """The options WeChat adds follow the visitor's language: "Reply 1: …" in English (never
    "tap"), the typed number still picks the option, and Chinese brings back "回复 1："."""
    openid = f"user-{uuid.uuid4().hex[:8]}"
    first = parse_xml(say(servers, text_xml(openid, "when will the e-invoice system be back", 9101))[1])["Content"]
    assert "Reply 1: " in first and "回复" not in first and "tap" not in first.lower()
    picked = parse_xml(say(servers, text_xml(openid, "1", 9102))[1])["Content"]
    from tests.unit.test_response_style import english_problems

    assert english_problems(picked, "web") == [] and english_problems(picked, "wechat") == [], picked
    assert "Reply 1: " in picked
    back = parse_xml(say(servers, text_xml(openid, "线下开票要带什么材料", 9103))[1])["Content"]
    assert "Reply" not in back and ("回复 1：" in back or "材料" in back)


def test_a_number_no_option_holds_is_not_read_as_goodbye(servers):
    """A number that names no option shown (an older message's, or one the channel forgot) is
    not understood, with the options again: never "再见" and a rating (the model learned "88")."""
    openid = f"user-{uuid.uuid4().hex[:8]}"
    first = parse_xml(say(servers, text_xml(openid, "急需开票怎么办", 9201))[1])["Content"]
    assert "回复 1：" in first and "回复 9：" not in first
    stale = parse_xml(say(servers, text_xml(openid, "9", 9202))[1])["Content"]
    assert "再见" not in stale and "打分" not in stale, stale
    assert "没有理解" in stale and "回复 1：" in stale, stale
    assert user_turns(servers, openid)[-1]["text"] == "9"  # what the visitor sent is kept as sent
