"""Issue 3 end to end: staff update the status, the assistant answers from it."""

import json
import time
import urllib.error
import urllib.request

import pytest

from tests.conftest import STAFF_TOKEN
from tests.e2e.chat import Chat, SocketChat, button_titles, texts


def http(method, url, body=None, token=None):
    data = body if isinstance(body, bytes) else (json.dumps(body).encode() if body is not None else None)
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    request = urllib.request.Request(url, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null")


def put_status(servers, **fields):
    body = {"state": "suspended", "message": "", **fields}
    status, data = http("PUT", f"{servers.web}/api/status", body, STAFF_TOKEN)
    assert status == 200, data
    time.sleep(1.2)  # the action server's cache is 1 s in tests
    return data


def test_first_start_holds_the_notice_state(servers):
    status, data = http("GET", f"{servers.web}/api/status")
    assert status == 200
    assert set(data) == {
        "state",
        "message",
        "started_at",
        "expected_resume_at",
        "source_url",
        "updated_at",
        "updated_by",
    }


def test_put_needs_the_staff_token_and_changes_nothing_without_it(servers):
    _, before = http("GET", f"{servers.web}/api/status")
    for token in (None, "wrong-token"):
        status, _ = http("PUT", f"{servers.web}/api/status", {"state": "normal"}, token)
        assert status == 401
    assert http("GET", f"{servers.web}/api/status/history")[0] == 401
    assert http("GET", f"{servers.web}/api/status")[1] == before


@pytest.mark.parametrize(
    "body, field",
    [
        ({"state": "broken"}, "state"),
        ({"state": "suspended", "expected_resume_at": "next week"}, "expected_resume_at"),
        ({"state": "suspended", "expected_resume_at": "2026-12-03T09:00:00"}, "expected_resume_at"),
        ({"state": "suspended", "source_url": "javascript:alert(1)"}, "source_url"),
        ({"state": "suspended", "colour": "red"}, "colour"),
    ],
)
def test_invalid_status_is_422_naming_the_field(servers, body, field):
    _, before = http("GET", f"{servers.web}/api/status")
    status, data = http("PUT", f"{servers.web}/api/status", body, STAFF_TOKEN)
    assert status == 422 and data["field"] == field
    assert http("GET", f"{servers.web}/api/status")[1] == before


def test_malformed_and_oversized_bodies_are_refused(servers):
    assert http("PUT", f"{servers.web}/api/status", b"{not json", STAFF_TOKEN)[0] == 400
    big = json.dumps({"state": "suspended", "message": "x" * 200_000}).encode()
    assert http("PUT", f"{servers.web}/api/status", big, STAFF_TOKEN)[0] == 413


def test_new_resume_time_is_named_then_normal_is_said(servers):
    put_status(servers, expected_resume_at="2031-12-03T09:00:00+08:00", source_url="https://example.gov.cn/notice")
    text = texts(Chat(servers.rasa).say("什么时候恢复开票"))
    assert "2031年12月3日 09:00" in text
    assert "https://example.gov.cn/notice" in text and "以广州市税务局正式公告为准" in text
    history = http("GET", f"{servers.web}/api/status/history", token=STAFF_TOKEN)[1]["history"]
    assert history[0]["expected_resume_at"] == "2031-12-03T09:00:00+08:00"

    put_status(servers, state="normal")
    chat = Chat(servers.rasa)
    assert "已恢复正常" in texts(chat.say("现在可以开票了吗"))
    # with the service back, "网上开不了发票怎么办" no longer sends people to the hall first
    reply = chat.say("网上开不了发票怎么办")
    assert "已恢复" in texts(reply) and "查找线下服务点" not in button_titles(reply)
    put_status(servers, state="suspended")


def test_restoration_notice_reaches_each_subscriber_once(servers):
    put_status(servers, state="suspended")
    # the widget's channel (socket.io) can deliver a notice later; REST cannot, and says so
    subscriber, bystander, quitter = SocketChat(servers.rasa), SocketChat(servers.rasa), SocketChat(servers.rasa)
    assert "已为您登记恢复通知" in texts(subscriber.say("恢复了通知我"))
    quitter.say("恢复了通知我")
    assert "已取消" in texts(quitter.say("取消通知"))
    bystander.say("你好")
    for chat in (subscriber, bystander, quitter):
        chat.close()

    put_status(servers, state="normal")

    def notices(chat):
        tracker = http("GET", f"{servers.rasa}/conversations/{chat.sender}/tracker?token=test-rasa-token")[1]
        return [e for e in tracker["events"] if e["event"] == "bot" and "【恢复通知】" in (e.get("text") or "")]

    deadline = time.monotonic() + 15
    while not notices(subscriber) and time.monotonic() < deadline:
        time.sleep(0.5)
    assert len(notices(subscriber)) == 1
    tracker = http("GET", f"{servers.rasa}/conversations/{subscriber.sender}/tracker?token=test-rasa-token")[1]
    assert "已恢复正常" in [e for e in tracker["events"] if e["event"] == "bot"][-1]["text"]
    time.sleep(3)  # a retry round passes: still once
    assert len(notices(subscriber)) == 1
    assert notices(bystander) == [] and notices(quitter) == []
    put_status(servers, state="suspended")


def test_widget_history_is_shared_only_with_configured_origins(servers):
    url = f"{servers.web}/api/widget/history?session_id=abcdef123456"

    def allow_origin(origin):
        request = urllib.request.Request(url, headers={"Origin": origin})
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return response.headers.get("Access-Control-Allow-Origin")
        except urllib.error.HTTPError as refused:  # no session key: 403, still readable by the site
            assert refused.code == 403
            return refused.headers.get("Access-Control-Allow-Origin")

    assert allow_origin("https://vendor.example") == "https://vendor.example"
    assert allow_origin("https://evil.example") is None
    assert http("GET", f"{servers.web}/api/widget/history?session_id=../../etc")[0] == 400


def test_demo_page_states_no_outage_fact_of_its_own(servers):
    """The demo host page must not contradict the live status: it points to the widget's banner."""
    with urllib.request.urlopen(f"{servers.web}/", timeout=10) as response:
        page = response.read().decode("utf-8")
    for claim in ("暂停服务", "已恢复", "纸质发票", "公告", "「"):
        assert claim not in page, claim
    assert f'src="{servers.web}/widget.js"' in page  # the embed snippet names this server
    assert "{{" not in page
