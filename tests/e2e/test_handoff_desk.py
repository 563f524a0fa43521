"""Issue 17 over HTTP: leaving the queue, staffed hours and capacity, suggested replies and their
figures, outcomes and ratings (web and WeChat), roles and the audit log."""

import uuid

import pytest

from bot.wechat.messages import parse_xml
from tests.conftest import ALWAYS_STAFFED, STAFF_TOKEN
from tests.e2e.chat import Chat, button_titles, texts
from tests.e2e.test_live_status import http
from tests.e2e.test_staff import add_staff, detail, open_handoff
from tests.e2e.test_wechat import say, text_xml


def queue(servers, token=STAFF_TOKEN):
    return http("GET", f"{servers.web}/api/handoffs", token=token)[1]["handoffs"]


def stats(servers):
    return http("GET", f"{servers.web}/api/stats", token=STAFF_TOKEN)[1]


@pytest.fixture
def staffing(servers):
    """Rewrite the staffing file for one test; around the clock again afterwards."""

    def write(text):
        servers.staffing_file.write_text(text, encoding="utf-8")
        # a new mtime even within the same second
        import os
        import time

        os.utime(servers.staffing_file, (time.time(), time.time() + 1))

    yield write
    write(ALWAYS_STAFFED)


@pytest.mark.parametrize("leave", ["算了", "不用了", "取消人工", "我自己看看"])
def test_a_queued_visitor_leaves_and_staff_see_it(servers, leave):
    chat, handoff = open_handoff(servers)
    answer = texts(chat.say(leave))
    assert "已为您取消人工服务" in answer
    row = next(h for h in queue(servers) if h["id"] == handoff["id"])
    assert row["left"] and row["outcome"] == "left" and row["closed_at"]
    assert "维护" in texts(chat.say("为什么暂停开票"))  # the bot answers again
    assert http("POST", f"{servers.web}/api/handoffs/{handoff['id']}/reply", {"text": "晚了"}, STAFF_TOKEN)[0] == 404


def test_hand_off_wording_names_the_hours_and_the_way_out(servers):
    chat = Chat(servers.rasa)
    answer = chat.say("转人工")
    assert "人工服务时间：周一至周日 00:00-24:00" in texts(answer) and "12366" in texts(answer)
    assert "取消人工" in button_titles(answer)
    assert "取消人工" in texts(chat.say("人呢"))


def test_outside_staffed_hours_the_hotline_and_no_queue_on_rest(servers, staffing):
    staffing("hours: {}\nmax_queue: 5\n")
    chat = Chat(servers.rasa)
    answer = texts(chat.say("我要找真人"))
    assert "现在不是人工服务时间" in answer and "12366" in answer
    assert "无法在稍后把客服的回复送到您这里" in answer  # REST cannot carry a late answer
    assert chat.sender not in [h["conversation_id"] for h in queue(servers)]
    assert "维护" in texts(chat.say("为什么暂停开票"))  # not stuck waiting


def test_outside_staffed_hours_on_wechat_a_question_is_left_for_staff(servers, staffing):
    staffing("hours: {}\nmax_queue: 5\n")
    openid = f"user-{uuid.uuid4().hex[:8]}"
    reply = parse_xml(say(servers, text_xml(openid, "我要找真人", 7001))[1])["Content"]
    assert "现在不是人工服务时间" in reply and "48小时" in reply and "12366" in reply
    row = next(h for h in queue(servers) if h["conversation_id"] == openid)
    assert row["kind"] == "message" and row["channel"] == "wechat"


def test_above_capacity_the_visitor_is_told_so(servers, staffing):
    open_handoff(servers)  # at least one live hand-off is open
    staffing(ALWAYS_STAFFED.replace("max_queue: 1000", "max_queue: 1"))
    answer = texts(Chat(servers.rasa).say("转人工"))
    assert "排队等待人工的人数较多" in answer and "12366" in answer


def test_suggested_replies_are_recorded_and_counted(servers):
    chat, handoff = open_handoff(servers)
    base = f"{servers.web}/api/handoffs/{handoff['id']}"
    # "我要找真人" asks nothing: no suggestion (and none counted as shown)
    assert http("GET", f"{base}/suggestions", token=STAFF_TOKEN)[1] == {"question": None, "suggestions": []}
    chat.say("为什么电子发票系统暂停了")
    before = stats(servers)["desk"]["suggestions"]
    status, body = http("GET", f"{base}/suggestions", token=STAFF_TOKEN)
    assert status == 200 and body["question"] == "为什么电子发票系统暂停了"
    first = body["suggestions"][0]
    assert first["topic"] == "faq/reason" and first["source"].startswith("应急指南") and "维护" in first["answer"]
    assert http("POST", f"{base}/suggestions/inserted", {"topic": "nonsense"}, STAFF_TOKEN)[0] == 422
    assert http("POST", f"{base}/suggestions/inserted", {"topic": "faq/reason"}, STAFF_TOKEN)[0] == 200
    edited = first["answer"] + "（客服补充：请以官方通知为准）"
    assert (
        http("POST", f"{base}/reply", {"text": edited, "suggestion": "faq/reason", "edited": True}, STAFF_TOKEN)[0]
        == 200
    )
    after = stats(servers)["desk"]
    counts = after["suggestions"]
    assert counts["shown"] == before["shown"] + len(body["suggestions"])
    assert (counts["inserted"], counts["edited"], counts["sent"]) == (
        before["inserted"] + 1,
        before["edited"] + 1,
        before["sent"] + 1,
    )
    assert after["suggestion_acceptance"] == counts["inserted"] / counts["shown"]
    assert after["wait_seconds_median"] is not None


def test_ratings_on_the_web_and_on_wechat_reach_the_figures(servers):
    before = {r["channel"]: r for r in stats(servers)["desk"]["satisfaction_by_channel"]}
    chat = Chat(servers.rasa)
    chat.say("为什么暂停开票")
    answer = chat.say("谢谢")
    assert button_titles(answer)[-3:] == ["满意", "一般", "不满意"]
    assert "谢谢您的评价" in texts(chat.say('/rate{"rating":"good"}'))

    openid = f"user-{uuid.uuid4().hex[:8]}"
    say(servers, text_xml(openid, "为什么暂停开票", 8001))
    reply = parse_xml(say(servers, text_xml(openid, "谢谢", 8002))[1])["Content"]
    assert "回复 3：不满意" in reply
    assert "谢谢您的评价" in parse_xml(say(servers, text_xml(openid, "3", 8003))[1])["Content"]

    desk = stats(servers)["desk"]
    channels = {r["channel"]: r for r in desk["satisfaction_by_channel"]}
    assert channels["rest"]["good"] == before.get("rest", {}).get("good", 0) + 1
    assert channels["wechat"]["bad"] == before.get("wechat", {}).get("bad", 0) + 1
    assert any(r["topic"] == "faq/reason" for r in desk["satisfaction_by_topic"])
    assert 0 <= desk["resolution_rate"] + desk["handoff_rate"] <= 1


def test_a_typed_rating_is_recorded_the_right_way_round(servers):
    """ "不满意" typed (not tapped) counts as bad, "很满意" as good: 满意 inside 不满意 is no match."""
    before = {r["channel"]: r for r in stats(servers)["desk"]["satisfaction_by_channel"]}.get("rest", {})
    for typed in ("不满意", "很满意"):
        chat = Chat(servers.rasa)
        chat.say("为什么暂停开票")
        chat.say("谢谢")
        assert "谢谢您的评价" in texts(chat.say(typed))
    rest = {r["channel"]: r for r in stats(servers)["desk"]["satisfaction_by_channel"]}["rest"]
    assert (rest["bad"], rest["good"]) == (before.get("bad", 0) + 1, before.get("good", 0) + 1)


def test_roles_reassignment_accounts_and_the_audit_log(servers):
    add_staff(servers, "agent-a", "a long enough password")
    add_staff(servers, "agent-b", "a long enough password")
    chat, handoff = open_handoff(servers)
    base = f"{servers.web}/api/handoffs/{handoff['id']}"
    # the staff token is a supervisor: reassign to agent-a
    assert http("POST", f"{base}/assign", {"staff": "nobody"}, STAFF_TOKEN)[0] == 422
    assert http("POST", f"{base}/assign", {"staff": "agent-a"}, STAFF_TOKEN)[0] == 200
    assert detail(servers, handoff["id"])["taken_by"] == "agent-a"
    # accounts from the API (the console's 账号与日志), no shell
    assert (
        http(
            "POST", f"{servers.web}/api/staff", {"name": "boss", "password": "short", "role": "supervisor"}, STAFF_TOKEN
        )[0]
        == 422
    )
    assert (
        http(
            "POST",
            f"{servers.web}/api/staff",
            {"name": "boss", "password": "a long enough password", "role": "supervisor"},
            STAFF_TOKEN,
        )[0]
        == 200
    )
    names = {u["name"]: u["role"] for u in http("GET", f"{servers.web}/api/staff", token=STAFF_TOKEN)[1]["staff"]}
    assert names["boss"] == "supervisor" and names["agent-a"] == "agent"
    assert http("POST", f"{servers.web}/api/staff/agent-b/role", {"role": "king"}, STAFF_TOKEN)[0] == 422
    assert http("DELETE", f"{servers.web}/api/staff/agent-b", token=STAFF_TOKEN)[0] == 200
    entries = http("GET", f"{servers.web}/api/audit", token=STAFF_TOKEN)[1]["entries"]
    actions = [(e["staff"], e["action"], e["detail"]) for e in entries]
    assert ("api", "POST /api/handoffs/{handoff_id}/assign", "to agent-a") in actions
    assert any(a[1] == "DELETE /api/staff/{name}" for a in actions)
    assert not any("short" in (e["detail"] + e["target"]) for e in entries)  # no passwords in the log
