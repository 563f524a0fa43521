"""The small pieces of #14: client metadata, widget session keys, login throttle, server events."""

from bot import widget_sessions
from bot.channels.client_metadata import allowed_metadata
from bot.conversations import server_events
from bot.conversations.transcript import transcript
from bot.staff.login_throttle import LoginThrottle


def test_only_a_valid_location_is_kept_from_client_metadata():
    location = {"latitude": 23.1, "longitude": 113.3}
    assert allowed_metadata({"location": location, "is_external": True}) == {"location": location}
    assert allowed_metadata('{"location": {"latitude": "23.1", "longitude": 113.3}}') == {"location": location}
    assert allowed_metadata({"is_external": True}) is None
    assert allowed_metadata({"location": {"latitude": 91, "longitude": 0}}) is None
    assert allowed_metadata({"location": {"latitude": "nan", "longitude": 0}}) is None
    assert allowed_metadata({"location": {"latitude": True, "longitude": 0}}) is None
    assert allowed_metadata("[1]") is None and allowed_metadata(None) is None and allowed_metadata("{") is None


def test_widget_session_keys():
    session_id, key = widget_sessions.new_session()
    assert widget_sessions.is_valid(session_id, key)
    assert not widget_sessions.is_valid(session_id, key[:-1] + ("0" if key[-1] != "0" else "1"))
    assert not widget_sessions.is_valid(session_id, None) and not widget_sessions.is_valid(None, key)
    assert not widget_sessions.is_valid("../etc/passwd", key)
    assert widget_sessions.confirm(session_id, key) == (session_id, key)
    other, other_key = widget_sessions.confirm(session_id, "guess")  # a known id without its key
    assert other != session_id and widget_sessions.is_valid(other, other_key)


def test_login_throttle_per_account_and_per_address():
    throttle = LoginThrottle(per_account=3, per_address=5, window=60)
    for _ in range(3):
        assert throttle.retry_after("Wang", "1.1.1.1", now=0) == 0
        throttle.failed("wang", "1.1.1.1", now=0)
    assert throttle.retry_after(" WANG ", "2.2.2.2", now=1) == 59  # the account, from anywhere
    assert throttle.retry_after("li", "1.1.1.1", now=1) == 0
    throttle.failed("li", "1.1.1.1", now=1)
    throttle.failed("zhao", "1.1.1.1", now=1)
    assert throttle.retry_after("qian", "1.1.1.1", now=2) > 0  # five failures from the address
    assert throttle.retry_after("qian", "3.3.3.3", now=2) == 0
    assert throttle.retry_after("wang", "2.2.2.2", now=61) == 0  # the window passed
    throttle.failed("li", "4.4.4.4", now=62)
    throttle.succeeded("li")
    assert throttle.accounts.retry_after("li", 62) == 0


def test_server_events_use_the_domain_responses_and_mark_staff():
    [reply] = server_events.staff_reply("请稍等 {name}", "wang", {}, "socketio")
    assert reply["event"] == "bot" and reply["text"] == "【人工客服】请稍等 {name}"
    assert reply["metadata"]["utter_action"] == "utter_staff_reply" and reply["metadata"]["staff"] == "wang"
    slot, released = server_events.handoff_released("wang", {}, "rest")
    assert slot == {"event": "slot", "name": "handoff_active", "value": False}
    assert "人工客服已结束" in released["text"]
    assert released["data"]["custom"] == {"data": {"handoff_released": True}}  # for 微信客服's transfer back
    notice = server_events.restoration_notice("服务已恢复正常。", "normal", {}, "rest")
    assert "【恢复通知】" in notice[0]["text"] and notice[2]["value"] == "normal"
    shown = transcript([reply, {"event": "user", "text": "/EXTERNAL_staff_reply", "parse_data": {}}])
    assert [m["sender"] for m in shown] == ["staff", "user"]  # a typed payload is shown as the user's
