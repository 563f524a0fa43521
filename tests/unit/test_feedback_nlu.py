"""Typed ratings and feedback read the right way round (data/nlu/feedback.yml).

Why: the words overlap ("满意" is inside "不满意", "有帮助" inside "没有帮助"); a lookup would
record the opposite of what the visitor said. The regexes match a positive word only where no
negation precedes it, and the figures read the value the model gives.
"""

import asyncio

import pytest

from bot.insights.stats import _feedback, rating


@pytest.fixture(scope="module")
def agent(trained_agent):
    return trained_agent


def parse(agent, text):
    return asyncio.run(agent.parse_message(text))


def values(parsed, entity):
    return [e["value"] for e in parsed["entities"] if e["entity"] == entity]


@pytest.mark.parametrize(
    "text, value",
    [
        ("不满意", "bad"),
        ("很不满意", "bad"),
        ("不太满意", "bad"),
        ("很满意", "good"),
        ("满意", "good"),
        ("非常满意！", "good"),
        ("一般", "ok"),
        ("还行吧", "ok"),
    ],
)
def test_a_typed_rating_is_recorded_the_right_way_round(agent, text, value):
    parsed = parse(agent, text)
    assert parsed["intent"]["name"] == "rate", (text, parsed["intent"])
    assert values(parsed, "rating") == [value], (text, parsed["entities"])
    # what the figures count (satisfaction: bot/insights/stats.py)
    assert rating({"event": "user", "text": text, "parse_data": parsed}) == value


@pytest.mark.parametrize(
    "text, value",
    [("没有帮助", "no"), ("没帮助", "no"), ("这个回答没用", "no"), ("这个回答有帮助", "yes"), ("很有用", "yes")],
)
def test_typed_feedback_is_read_the_right_way_round(agent, text, value):
    parsed = parse(agent, text)
    assert parsed["intent"]["name"] == "feedback", (text, parsed["intent"])
    assert values(parsed, "helpful") == [value], (text, parsed["entities"])
    # what the figures count (helpful / unhelpful per topic)
    assert _feedback({"event": "user", "text": text, "parse_data": parsed}) is (value == "yes")


def test_a_question_with_the_same_words_is_no_rating(agent):
    """ "一般" counts only as the whole message; "客户满意度" is a FAQ, not a rating."""
    assert values(parse(agent, "一般多久能恢复开票"), "rating") == []
    assert parse(agent, "客户满意度会受影响吗")["intent"]["name"] != "rate"
