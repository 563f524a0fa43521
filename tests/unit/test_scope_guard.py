"""A follow-up or finder question about another place is out of scope (bot/nlu/scope_guard.py)."""

import pytest
from rasa.shared.nlu.training_data.message import Message

from bot.nlu.cues import names_other_place
from bot.nlu.scope_guard import OutOfScopeGuard, guarded_intent


@pytest.mark.parametrize(
    "text",
    [
        "附近医院几点关门",
        "天河的银行在哪里",
        "社保卡要带什么",
        "图书館幾點閂門",
        "where is the nearest hospital",
        "医保局要排队吗",
    ],
)
def test_another_place_and_nothing_of_the_service_is_out_of_scope(text):
    assert names_other_place(text)
    assert guarded_intent("follow_up", text) == "out_of_scope"
    assert guarded_intent("find_service_point", text) == "out_of_scope"


@pytest.mark.parametrize(
    "text",
    [
        "要排队吗",
        "在哪",
        "几点开门",
        "天河区办税服务厅在哪",
        "医院旁边的办税大厅在哪",
        "银行附近能开发票吗",
        "how do I get there",
    ],
)
def test_a_follow_up_or_a_tax_office_is_left_alone(text):
    assert not names_other_place(text)
    assert guarded_intent("follow_up", text) == "follow_up"


def test_dialogue_acts_and_questions_naming_the_service_are_never_changed():
    assert guarded_intent("thank", "谢谢，我去医院了") == "thank"
    assert guarded_intent("request_human", "我要问社保，找个人") == "request_human"
    assert guarded_intent("faq", "医保报销要发票吗") == "faq"  # 报销, 发票: this service's words
    assert guarded_intent("faq", "养老金查询") == "out_of_scope"
    assert guarded_intent("rumour_check", "听说医保卡要换新的，是真的吗") == "out_of_scope"


def message(text, intent, confidence=0.7):
    ranking = [{"name": intent, "confidence": confidence}, {"name": "out_of_scope", "confidence": 0.2}]
    return Message(data={"text": text, "intent": dict(ranking[0]), "intent_ranking": ranking})


def test_the_component_puts_out_of_scope_first_and_keeps_the_ranking():
    guarded, kept = OutOfScopeGuard().process([message("公园几点关门", "follow_up"), message("几点关门", "follow_up")])
    assert guarded.get("intent") == {"name": "out_of_scope", "confidence": 0.7}
    assert [r["name"] for r in guarded.get("intent_ranking")] == ["out_of_scope", "follow_up"]
    assert kept.get("intent")["name"] == "follow_up"


@pytest.mark.parametrize(
    "text, declined",
    [
        ("恢復咗唔使話我知", True),  # Cantonese "tell me" is a notice too
        ("好返都唔好講俾我知", True),
        ("登記咗嘅提醒幫我撤銷", True),  # the notice first, then revoked
        ("恢复通知帮我删掉", True),
        ("恢復咗話我知", False),
        ("好返記得講我知", False),
    ],
)
def test_a_notice_declined_in_cantonese_or_revoked(text, declined):
    from bot.nlu.cues import negates_notice

    assert negates_notice(text) is declined
