from bot.faq.catalogue import load_catalogue
from bot.faq.decision import ANSWER, CLARIFY, MISS, decide, is_miss, trailing_misses

TOPICS = list(load_catalogue())


def parse(intent="faq", confidence=0.9, ranking=(), entities=()):
    faq_ranking = [{"intent_response_key": f"faq/{t}", "confidence": c} for t, c in ranking]
    return {
        "intent": {"name": intent, "confidence": confidence},
        "intent_ranking": [{"name": intent, "confidence": confidence}],
        "entities": list(entities),
        "response_selector": {"faq": {"ranking": faq_ranking}} if faq_ranking else {},
    }


def test_catalogue_holds_the_contract_ids():
    contract = (
        "reason scope urgent_invoice offline_issuance offline_process appointment paper_invoice "
        "kiosk_app precautions impact_enterprise impact_consumer reimbursement enterprise_strategy "
        "data_backup legal_compliance contact official_channels upgrade_content after_recovery "
        "is_permanent data_security other_region compensation"
    ).split()
    assert set(contract) <= set(TOPICS)


def test_clear_winner_is_answered():
    decision = decide(parse(ranking=[("reason", 0.9), ("scope", 0.05)]), TOPICS)
    assert decision.kind == ANSWER and decision.topics == ("reason",)


def test_two_close_topics_are_clarified_with_both():
    decision = decide(parse(ranking=[("offline_issuance", 0.45), ("offline_process", 0.40)]), TOPICS)
    assert decision.kind == CLARIFY
    assert decision.topics == ("offline_issuance", "offline_process")


def test_confident_intent_with_weak_response_is_not_answered():
    # Rasa #9723/#9751: the intent is sure it is a FAQ, the answer choice is not.
    spread = [(t, 1 / len(TOPICS)) for t in TOPICS]
    assert decide(parse(confidence=0.99, ranking=spread), TOPICS).kind == MISS


def test_weak_faq_intent_is_a_miss():
    assert decide(parse(confidence=0.2, ranking=[("reason", 0.95)]), TOPICS).kind == MISS


def test_button_payload_topic_wins_without_a_ranking():
    entities = [{"entity": "faq_topic", "value": "appointment"}]
    decision = decide(parse(confidence=1.0, entities=entities), TOPICS)
    assert decision.kind == ANSWER and decision.topics == ("appointment",)


def test_unknown_button_topic_is_ignored():
    entities = [{"entity": "faq_topic", "value": "no_such_topic"}]
    assert decide(parse(confidence=1.0, entities=entities), TOPICS).kind == MISS


def test_misses_are_counted_from_the_end_of_the_conversation():
    good = parse(ranking=[("reason", 0.9)])
    miss = parse(intent="out_of_scope", confidence=0.9)
    fallback = parse(intent="nlu_fallback", confidence=0.3)
    assert trailing_misses([miss, miss, good], TOPICS) == 0
    assert trailing_misses([good, miss], TOPICS) == 1
    assert trailing_misses([good, fallback, miss], TOPICS) == 2
    assert is_miss(miss, TOPICS) and not is_miss(good, TOPICS)
    assert not is_miss(parse(intent="greet"), TOPICS)


def ranked(intents, faq_ranking=()):
    """A parse whose intent ranking is `intents` [(name, p)], with FAQ sub-ranking."""
    return {
        "intent": {"name": "nlu_fallback", "confidence": 0.3},
        "intent_ranking": [{"name": n, "confidence": c} for n, c in intents],
        "entities": [],
        "response_selector": {
            "faq": {"ranking": [{"intent_response_key": f"faq/{t}", "confidence": c} for t, c in faq_ranking]}
        },
    }


def test_unsure_in_domain_message_offers_two_or_three_topics_never_a_decline():
    from bot.faq.decision import clarify_options

    parse = ranked(
        [("faq", 0.5), ("ask_outage_status", 0.3), ("out_of_scope", 0.1)],
        [("reason", 0.4), ("scope", 0.3), ("upgrade_content", 0.3)],
    )
    options = clarify_options(parse, TOPICS)
    assert 2 <= len(options) <= 3
    assert options[0] == "ask_outage_status" and "faq/reason" in options
    assert not is_miss(parse, TOPICS)


def test_plainly_unrelated_message_is_declined():
    from bot.faq.decision import clarify_options

    parse = ranked([("out_of_scope", 0.6), ("faq", 0.3)], [("reason", 0.5), ("scope", 0.5)])
    assert clarify_options(parse, TOPICS) == ()
    assert is_miss(parse, TOPICS)


def test_little_service_probability_is_declined():
    from bot.faq.decision import clarify_options

    parse = ranked([("greet", 0.3), ("faq", 0.2), ("thank", 0.3)], [("reason", 0.5), ("scope", 0.5)])
    assert clarify_options(parse, TOPICS) == ()
