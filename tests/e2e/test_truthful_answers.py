"""Issue #12 end to end: answers follow the live status read in the same turn, at once.

Against the real servers: staff set the status through the web app's API, and questions of
different topics (not training examples) go through Rasa's REST channel and WeChat.
"""

import re
import time
import uuid

from tests.conftest import STAFF_TOKEN
from tests.e2e.chat import Chat, button_titles, texts
from tests.e2e.test_live_status import http, put_status
from tests.e2e.test_wechat import parse_xml, say, text_xml

# phrases that speak of a suspension going on now
PRESENT_SUSPENSION = re.compile(
    r"暂停期间|暂停中|线上开不了|暂时拿不到|目前可能无法|无法在线|通知客户|开票可能延迟|改走线下"
)

TEN_TOPICS = [
    ("scope", "暂停以后哪些功能受影响"),
    ("enterprise_strategy", "我们公司现在该做些什么"),
    ("urgent_invoice", "客户催着要发票但网上开不出来"),
    ("reason", "电子发票为啥停了"),
    ("is_permanent", "电子发票是不是以后都没有了"),
    ("reimbursement", "拿不到发票公司报销怎么弄"),
    ("impact_enterprise", "这次暂停对企业有哪些影响"),
    ("impact_consumer", "作为消费者我会受什么影响"),
    ("paper_invoice", "可以先用纸质发票代替吗"),
    ("other_region", "能不能去别的城市的平台开发票"),
]


def put_at_once(servers, **fields):
    """A staff PUT with no wait afterwards (put_status waits 1.2 s)."""
    status, data = http(
        "PUT", f"{servers.web}/api/status", {"state": "suspended", "message": "", **fields}, STAFF_TOKEN
    )
    assert status == 200, data
    return data


def test_with_the_service_back_no_answer_speaks_of_a_present_suspension(servers):
    put_status(servers, state="normal")
    try:
        chat = Chat(servers.rasa)
        restored = 0
        for topic, question in TEN_TOPICS:
            reply = chat.say(question)
            text = texts(reply)
            assert text, question
            assert not PRESENT_SUSPENSION.search(text), (topic, question, text)
            assert "恢复了通知我" not in button_titles(reply), (topic, question)
            restored += "已恢复" in text or "现已恢复" in text
        assert restored >= 8  # the answers say it is back, not merely omit the suspension
        status = texts(chat.say("现在能开了吗"))
        assert "已恢复正常" in status
    finally:
        put_status(servers, state="suspended")


def test_the_same_questions_while_suspended_speak_of_the_suspension(servers):
    put_status(servers, state="suspended")
    chat = Chat(servers.rasa)
    reply = chat.say("暂停以后哪些功能受影响")
    assert "暂停期间" in texts(reply)
    assert "已恢复" not in texts(chat.say("电子发票是不是以后都没有了"))


def test_a_put_followed_at_once_by_a_question_gets_the_new_status(servers):
    chat = Chat(servers.rasa)
    put_status(servers, state="suspended")
    chat.say("电子发票为啥停了")  # the action server has just read the old status
    try:
        for day in (4, 6):
            put_at_once(servers, expected_resume_at=f"2031-12-0{day}T10:00:00+08:00")
            assert f"2031年12月{day}日 10:00" in texts(chat.say("什么时候恢复"))
        put_at_once(servers, state="normal")
        started = time.monotonic()
        reply = chat.say("暂停以后哪些功能受影响")
        assert "已恢复" in texts(reply) and time.monotonic() - started < 2
        put_at_once(servers, state="suspended")
        assert "暂停期间" in texts(chat.say("暂停以后哪些功能受影响"))
    finally:
        put_status(servers, state="suspended")


def test_the_status_feed_revalidates_with_its_etag(servers):
    import urllib.request

    with urllib.request.urlopen(f"{servers.web}/api/status", timeout=10) as response:
        etag = response.headers["ETag"]
    request = urllib.request.Request(f"{servers.web}/api/status", headers={"If-None-Match": etag})
    try:
        urllib.request.urlopen(request, timeout=10)
        raise AssertionError("expected 304")
    except urllib.error.HTTPError as error:
        assert error.code == 304


def test_the_greeting_opens_with_the_status_line_on_every_channel(servers):
    put_status(servers, state="suspended", expected_resume_at="2031-12-07T09:00:00+08:00")
    try:
        greeting = texts(Chat(servers.rasa).say("你好"))
        assert greeting.startswith("当前状态：电子发票服务暂停中") and "2031年12月7日 09:00" in greeting
        openid = f"user-{uuid.uuid4().hex[:8]}"
        head = (
            f"<ToUserName>gh_test</ToUserName><FromUserName>{openid}</FromUserName>"
            f"<CreateTime>{int(time.time())}</CreateTime>"
        )
        subscribe = f"<xml>{head}<MsgType>event</MsgType><Event>subscribe</Event></xml>"
        welcome = parse_xml(say(servers, subscribe)[1])["Content"]
        assert welcome.startswith("当前状态：电子发票服务暂停中") and "回复 1：" in welcome
        assert "点下面" not in welcome and "按钮" not in welcome
        put_at_once(servers, state="normal")
        greeting = Chat(servers.rasa).say("你好")
        assert texts(greeting).startswith("当前状态：电子发票服务已恢复正常")
        assert "恢复后要做什么" in button_titles(greeting)
    finally:
        put_status(servers, state="suspended")


def test_rest_visitors_hear_that_no_notice_can_reach_them(servers):
    put_status(servers, state="suspended")
    text = texts(Chat(servers.rasa).say("恢复了通知我"))
    assert "无法主动发送通知" in text and "已为您登记" not in text


def test_wechat_sign_up_names_the_48_hour_window(servers):
    put_status(servers, state="suspended")
    openid = f"user-{uuid.uuid4().hex[:8]}"
    reply = parse_xml(say(servers, text_xml(openid, "恢复了通知我", 7001))[1])["Content"]
    assert "已为您登记" in reply and "48小时" in reply
