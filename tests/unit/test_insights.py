"""The deflection figures on a known set of recorded conversations, counted by hand."""

from bot.faq.catalogue import load_catalogue
from bot.insights.stats import compute, unanswered

TOPICS = list(load_catalogue())
DAY1, DAY2 = 1795000000.0, 1795086400.0  # two days apart (Asia/Shanghai dates differ)


def user(text, intent, ts, topic=None, conf=0.9, entities=()):
    parse = {
        "intent": {"name": intent, "confidence": conf},
        "intent_ranking": [{"name": intent, "confidence": conf}],
        "entities": list(entities),
    }
    if topic:
        parse["response_selector"] = {
            "faq": {
                "response": {"intent_response_key": f"faq/{topic}", "confidence": 0.9},
                "ranking": [{"intent_response_key": f"faq/{topic}", "confidence": 0.9}],
            }
        }
    return {"event": "user", "text": text, "timestamp": ts, "parse_data": parse}


def bot(text, ts):
    return {"event": "bot", "text": text, "timestamp": ts}


def feedback(value, ts):
    return user('/feedback{"helpful":"%s"}' % value, "feedback", ts, entities=[{"entity": "helpful", "value": value}])


HANDOFF = {"event": "slot", "name": "handoff_active", "value": True}

CONVERSATIONS = {
    # 1. answered, with positive feedback: deflected
    "a": [user("为什么暂停", "faq", DAY1, "reason"), bot("维护", DAY1 + 1), feedback("yes", DAY1 + 2)],
    # 2. a miss, then an answer: the miss is resolved -> deflected
    "b": [
        user("天气", "out_of_scope", DAY1 + 10),
        bot("帮不上忙", DAY1 + 11),
        user("网上开不了票", "faq", DAY1 + 12, "urgent_invoice"),
        feedback("no", DAY1 + 13),
    ],
    # 3. asked for a human: handed off
    "c": [user("转人工", "request_human", DAY1 + 20), HANDOFF, bot("已转接", DAY1 + 21)],
    # 4. ends on a fallback: unresolved miss
    "d": [user("blah", "nlu_fallback", DAY2, conf=0.2), bot("帮不上忙", DAY2 + 1)],
    # 5. only an external event (restoration notice): not a conversation
    "e": [user("EXTERNAL: EXTERNAL_service_restored", "EXTERNAL_service_restored", DAY2 + 5)],
    # 6. button click on a topic, then a status question: deflected
    "f": [
        user('/faq{"faq_topic":"reason"}', "faq", DAY2 + 10, entities=[{"entity": "faq_topic", "value": "reason"}]),
        user("几时恢复", "ask_outage_status", DAY2 + 11),
    ],
}


def test_figures_match_the_hand_count():
    figures = compute(CONVERSATIONS, TOPICS)
    assert figures["conversations"] == 5  # a b c d f
    assert figures["handoffs"] == 1  # c
    assert figures["unresolved"] == 1  # d
    assert figures["deflection_rate"] == 3 / 5  # a b f
    assert figures["user_messages"] == 7  # a1 b2 c1 d1 f2 (feedback and external excluded)
    assert figures["fallback_rate"] == 1 / 7  # d
    assert figures["per_day"] == [
        {"date": "2026-11-18", "conversations": 3},
        {"date": "2026-11-19", "conversations": 2},
    ]
    assert figures["top_topics"] == [{"topic": "faq/reason", "count": 2}, {"topic": "faq/urgent_invoice", "count": 1}]
    assert figures["feedback"] == [
        {"topic": "faq/reason", "helpful": 1, "unhelpful": 0},
        {"topic": "faq/urgent_invoice", "helpful": 0, "unhelpful": 1},
    ]


def test_unanswered_questions_newest_first():
    questions = unanswered(CONVERSATIONS, TOPICS)
    assert [q["text"] for q in questions] == ["blah", "天气"]
    assert questions[0]["conversation_id"] == "d"


def test_prometheus_metrics_from_the_same_conversations():
    from bot.insights.metrics import render_metrics

    text = render_metrics(CONVERSATIONS, handoffs_total=1, handoffs_open=0)
    assert "assistant_conversations_total 5\n" in text
    assert "assistant_user_messages_total 7\n" in text
    assert "assistant_fallbacks_total 1\n" in text
    assert "assistant_handoffs_total 1\n" in text
    # answered messages: a (1 s), b (1 s, then no answer to the 2nd), c (1 s), d (1 s)
    assert 'assistant_response_seconds_bucket{le="+Inf"} 4\n' in text
    assert 'assistant_response_seconds_bucket{le="0.5"} 0\n' in text
    assert "assistant_response_seconds_sum 4.000000\n" in text
