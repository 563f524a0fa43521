"""The staff desk's figures (bot/insights/stats.py: desk_figures over the tally of
bot/insights/tally.py) on conversations counted by hand; fed whole and event by event."""

from datetime import datetime, timedelta, timezone
from types import SimpleNamespace

from bot.insights.stats import agent_figures, desk_figures, percentile
from bot.insights.tally import fold, tally
from tests.unit.test_insights import TOPICS, bot, user

T0 = 1795000000.0
START = {"event": "session_started", "timestamp": 0}
HANDOFF = {"event": "slot", "name": "handoff_active", "value": True}


def at(event, channel):
    return {**event, "input_channel": channel}


def rating(value, ts, channel):
    return at(
        user('/rate{"rating":"%s"}' % value, "rate", ts, entities=[{"entity": "rating", "value": value}]), channel
    )


def uttered(action, text, ts):
    return {"event": "bot", "text": text, "timestamp": ts, "metadata": {"utter_action": action}}


CONVERSATIONS = {
    # A: answered by the bot, rated 满意 on the web -> resolved
    "a": [
        START,
        at(user("为什么暂停", "faq", T0, "reason"), "socketio"),
        bot("维护", T0 + 1),
        rating("good", T0 + 5, "socketio"),
    ],
    # B: handed off, a staff reply, rated 一般 on WeChat -> handed off; the rating is the human's
    "b": [
        START,
        at(user("转人工", "request_human", T0), "wechat"),
        HANDOFF,
        uttered("utter_staff_reply", "【人工客服】您好", T0 + 60),
        rating("ok", T0 + 90, "wechat"),
    ],
    # C: ends on a miss -> unresolved
    "c": [START, user("天气", "out_of_scope", T0), bot("帮不上忙", T0 + 1)],
    # D: answered, but the visitor writes again an hour later (a new session) -> session 1 reopened,
    #    session 2 answered and not reopened -> resolved
    "d": [
        START,
        user("什么时候恢复", "faq", T0, "after_recovery"),
        bot("…", T0 + 1),
        START,
        user("还是不行", "faq", T0 + 3600, "urgent_invoice"),
        bot("…", T0 + 3601),
    ],
    # E: asked for a human outside staffed hours -> handed off (told so, hotline)
    "e": [START, user("转人工", "request_human", T0), uttered("utter_handoff_closed", "现在不是人工服务时间", T0 + 1)],
    # F: came back after more than 24 h: not a reopening -> both sessions resolved
    "f": [START, user("为什么暂停", "faq", T0, "reason"), START, user("为什么暂停", "faq", T0 + 90000, "reason")],
    # G: only a restoration notice (external): not a conversation
    "g": [START, user("EXTERNAL_service_restored", "EXTERNAL_service_restored", T0)],
}


def handoff(opened, reply_after=None, kind="live", taken_by="li", outcome=None):
    start = datetime(2026, 11, 28, 9, 0, tzinfo=timezone.utc) + timedelta(minutes=opened)
    return SimpleNamespace(
        kind=kind,
        opened_at=start.isoformat(),
        taken_by=taken_by,
        outcome=outcome,
        first_reply_at=(start + timedelta(seconds=reply_after)).isoformat() if reply_after is not None else None,
        closed_at=start.isoformat() if outcome else None,
    )


HANDOFFS = [
    handoff(0, 30, outcome="answered"),
    handoff(1, 60, outcome="referred_12366"),
    handoff(2, 90, taken_by="wang"),
    handoff(3, 120, outcome="answered"),
    handoff(4, 600, taken_by="wang", outcome="no_reply"),
    handoff(5, None, taken_by=None),  # waiting, no reply yet
    handoff(6, 5, kind="message", taken_by=None),
]  # a left question: not a live wait


def incrementally(conversations):
    """The totals as the tracker store feeds them: one event at a time, the state kept as JSON."""
    import json
    from collections import defaultdict

    totals = defaultdict(float)
    for conversation_id, events in conversations.items():
        state = None
        for event in events:
            step = fold(conversation_id, state, [event], TOPICS)
            state = json.loads(json.dumps(step.state))
            for key, value in step.deltas.items():
                totals[key] += value
    return {k: v for k, v in totals.items() if v}


def test_the_hand_counted_figures():
    totals = tally(CONVERSATIONS, TOPICS)
    assert totals == incrementally(CONVERSATIONS)
    figures = desk_figures(totals, HANDOFFS, {"shown": 10, "inserted": 4, "edited": 3, "sent": 4})
    # sessions: a, b, c, d1, d2, e, f1, f2 = 8
    assert figures["conversations"] == 8
    assert (figures["resolved"], figures["handed_off"], figures["unresolved"], figures["reopened"]) == (4, 2, 1, 1)
    assert figures["resolution_rate"] == 4 / 8 and figures["handoff_rate"] == 2 / 8
    assert figures["resolution_rate"] + figures["handoff_rate"] <= 1
    assert figures["ratings"] == {"good": 1, "ok": 1, "bad": 0} and figures["satisfaction"] == 0.5
    by_topic = {r["topic"]: r for r in figures["satisfaction_by_topic"]}
    assert by_topic["faq/reason"]["good"] == 1 and by_topic["human"]["ok"] == 1
    by_channel = {r["channel"]: r["satisfaction"] for r in figures["satisfaction_by_channel"]}
    assert by_channel == {"socketio": 1.0, "wechat": 0.0}
    assert figures["suggestion_acceptance"] == 0.4
    # waits 30, 60, 90, 120, 600 s: median (nearest rank) 90, p90 600; one live hand-off unreplied
    assert (figures["wait_seconds_median"], figures["wait_seconds_p90"]) == (90, 600)
    assert (figures["handoffs_replied"], figures["handoffs_unreplied"]) == (5, 1)
    assert figures["outcomes"] == {"answered": 2, "referred_12366": 1, "no_reply": 1}


def test_no_data_gives_no_invented_figures():
    figures = desk_figures({})
    assert figures["conversations"] == 0 and figures["resolution_rate"] == 0.0
    assert figures["satisfaction"] is None and figures["suggestion_acceptance"] is None
    assert figures["wait_seconds_median"] is None and percentile([], 0.9) is None


def test_per_agent_figures():
    rows = {r["staff"]: r for r in agent_figures(HANDOFFS)}
    assert rows["li"] == {"staff": "li", "open": 0, "closed": 3, "answered": 2, "wait_seconds_median": 60}
    assert rows["wang"]["open"] == 1 and rows["wang"]["closed"] == 1
