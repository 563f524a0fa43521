"""A bare number asks nothing (bot/nlu/bare_number.py): nlu_fallback, while "88" stays goodbye."""

import pytest
from rasa.shared.nlu.training_data.message import Message

from bot.nlu.bare_number import BareNumberFallback, is_bare_number


@pytest.mark.parametrize("text", ["1", "２", "12", " 3 ", "第2个", "选2", "回复3", "1。", "option 2", "13800138000"])
def test_numbers_alone_are_bare(text):
    assert is_bare_number(text)


@pytest.mark.parametrize("text", ["88", "886", "８８", "88!", "2月3号恢复吗", "二", "12366打不通", "", "/faq"])
def test_goodbye_numbers_and_questions_are_not(text):
    assert not is_bare_number(text)


def parsed(text, intent):
    message = Message(data={"text": text})
    message.set("intent", {"name": intent, "confidence": 0.63})
    message.set("intent_ranking", [{"name": intent, "confidence": 0.63}, {"name": "faq", "confidence": 0.12}])
    return message


def test_a_bare_number_becomes_fallback_with_no_topic_to_offer():
    (message,) = BareNumberFallback().process([parsed("2", "goodbye")])
    assert message.get("intent") == {"name": "nlu_fallback", "confidence": 1.0}
    assert [i["name"] for i in message.get("intent_ranking")] == ["nlu_fallback"]


def test_other_messages_keep_their_parse():
    (bye, question) = BareNumberFallback().process(
        [parsed("88", "goodbye"), parsed("2号能恢复吗", "ask_outage_status")]
    )
    assert bye.get("intent")["name"] == "goodbye"
    assert question.get("intent")["name"] == "ask_outage_status"
