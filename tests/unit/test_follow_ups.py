"""Follow-ups are answered for the topic just discussed; the pairs of tests/stories/test_follow_ups.yml."""

import pytest

from bot.faq.catalogue import load_catalogue
from bot.faq.followups import FINDER, HOURS, STATUS, previous_topic, resolve

TOPICS = list(load_catalogue())


@pytest.mark.parametrize(
    "previous, text, expected",
    [
        ("faq/offline_issuance", "要排队吗", "faq/appointment"),
        ("faq/offline_process", "要带什么", "faq/offline_issuance"),
        ("faq/reason", "那怎么办", "faq/urgent_invoice"),
        (STATUS, "那我现在怎么办", "faq/urgent_invoice"),
        ("faq/reason", "要多久", STATUS),
        ("faq/offline_issuance", "在哪", FINDER),
        ("faq/impact_enterprise", "那咋办", "faq/enterprise_strategy"),
        ("faq/kiosk_app", "然后呢", "faq/kiosk_app"),
        ("faq/appointment", "打什么电话", "faq/contact"),
        ("faq/offline_process", "大概多久", "faq/offline_process"),
        ("faq/offline_issuance", "要帶啲咩", "faq/offline_issuance"),
        ("faq/impact_consumer", "咁點算", "faq/reimbursement"),
        ("faq/official_channels", "在哪里看", "faq/official_channels"),
        (None, "多久", STATUS),
        (None, "在哪", FINDER),
        ("faq/offline_issuance", "几点开门", HOURS),
        ("faq/offline_issuance", "几点关门", HOURS),
        ("faq/offline_issuance", "周末开吗", HOURS),
        (FINDER, "星期日開唔開", HOURS),
        (FINDER, "what time does it open", HOURS),
        ("faq/offline_issuance", "how do I get there", FINDER),
        ("faq/offline_issuance", "怎么过去", FINDER),
        ("faq/offline_process", "what should I bring", "faq/offline_issuance"),
        ("faq/offline_issuance", "how long will it take", "faq/offline_process"),
        ("faq/reason", "when will it reopen", STATUS),
        ("faq/offline_issuance", "點樣過去呀", FINDER),
        ("faq/offline_issuance", "jidian kaimen", HOURS),
        ("faq/offline_issuance", "周六开不开", HOURS),
        ("faq/reason", "几点恢复", "faq/reason"),  # the service's return, not a hall's hours
        ("faq/offline_issuance", "禮拜六有冇開", HOURS),
    ],
)
def test_follow_up_continues_the_topic(previous, text, expected):
    assert resolve(text, previous) == expected


def test_a_question_with_no_grounded_answer_resolves_to_none():
    assert resolve("要收费吗", "faq/offline_issuance") is None


def faq(topic, confidence=0.95):
    return {
        "intent": {"name": "faq", "confidence": confidence},
        "intent_ranking": [{"name": "faq", "confidence": confidence}],
        "response_selector": {"faq": {"ranking": [{"intent_response_key": f"faq/{topic}", "confidence": 0.9}]}},
    }


def test_previous_topic_skips_earlier_follow_ups_and_the_latest_message():
    parses = [
        faq("reason"),
        {"intent": {"name": "ask_outage_status", "confidence": 0.9}},
        {"intent": {"name": "follow_up", "confidence": 0.9}},
        {"intent": {"name": "follow_up", "confidence": 0.9}},
    ]
    assert previous_topic(parses, TOPICS) == STATUS


def test_a_button_topic_counts_as_the_topic_discussed():
    button = {"intent": {"name": "faq", "confidence": 1.0}, "entities": [{"entity": "faq_topic", "value": "kiosk_app"}]}
    assert previous_topic([button, {"intent": {"name": "follow_up"}}], TOPICS) == "faq/kiosk_app"


def test_unclear_messages_are_not_a_topic():
    assert previous_topic([{"intent": {"name": "nlu_fallback"}}, {}], TOPICS) is None
