"""Issue 13, item 4: a visitor who writes in English reads English; Chinese stays the default."""

import re

from bot.contacts import load_contacts
from tests.e2e.chat import Chat, button_titles, texts

CHINESE = re.compile(r"[\u4e00-\u9fff]")


def english(messages) -> bool:
    """Every text and button is English (operator data, such as the staff's status note or hall
    names, stays as entered)."""
    lines = [line for line in texts(messages).splitlines() if not line.startswith("Note from the staff")]
    body = "\n".join(lines) + " ".join(button_titles(messages))
    for value in load_contacts().template_vars().values():  # the operator's contact details
        body = body.replace(value, "")
    return bool(body.strip()) and len(CHINESE.findall(body)) <= 4


def test_an_english_conversation_of_five_turns(servers):
    chat = Chat(servers.rasa)
    greeting = chat.say("hello there")
    assert english(greeting) and "assistant" in texts(greeting)
    reason = chat.say("why is the e-invoice system down")
    assert english(reason) and "maintenance" in texts(reason)
    status = chat.say("when will it be back")
    assert english(status) and ("suspended" in texts(status) or "back" in texts(status))
    bring = chat.say("what should I bring to the tax office")
    assert english(bring) and "documents" in texts(bring)
    thanks = chat.say("thank you")
    assert english(thanks) and "welcome" in texts(thanks)


def test_a_short_reply_keeps_the_language_and_chinese_switches_back(servers):
    chat = Chat(servers.rasa)
    chat.say("is the fapiao system working again?")
    assert english(chat.say("ok thanks"))
    assert english(chat.say("ok"))
    reply = chat.say("为什么暂停了")
    assert "维护" in texts(reply)


def test_english_clarification_and_decline(servers):
    chat = Chat(servers.rasa)
    declined = chat.say("what is the capital of France")
    assert english(declined)


def test_pinyin_typed_without_characters_is_answered_in_chinese(servers):
    """A visitor whose keyboard did not convert reads Chinese: after an English turn too."""
    chat = Chat(servers.rasa)
    assert english(chat.say("hello there"))
    reply = chat.say("dianzi fapiao shenme shihou huifu")
    assert CHINESE.search(texts(reply)) and not english(reply)
    assert "恢复" in texts(reply)


def test_chinese_stays_the_default(servers):
    reply = Chat(servers.rasa).say("你好")
    assert "自动咨询助手" in texts(reply)


def english_problems_in(messages) -> list:
    """Chinese in an English turn beyond the operator's labelled data (the style test's rule)."""
    from tests.unit.test_response_style import english_problems

    found = []
    for message in messages:
        text = (message.get("text") or "") + "\n" + "\n".join(b["title"] for b in message.get("buttons") or [])
        found += english_problems(text, "web")
    return found


def test_an_english_visitor_reads_english_answers_buttons_and_points_then_chinese_again(servers):
    """Item 4 end to end over REST: the widget's English suggested questions, the status with its
    buttons, a district's service points (operator data labelled as Chinese), the hand-off with
    its staffed hours; then a Chinese message brings everything back to Chinese."""
    chat = Chat(servers.rasa)
    status = chat.say("Is the e-invoice service back yet?")  # the widget's first English suggestion
    assert english_problems_in(status) == [] and re.search(r"suspended|partly back|back to normal", texts(status))
    assert button_titles(status) and not any(CHINESE.search(t) for t in button_titles(status))
    urgent = chat.say("I need an invoice urgently")
    assert english_problems_in(urgent) == [] and "invoice" in texts(urgent)
    offline = chat.say("Where can I get an invoice offline?")
    assert english_problems_in(offline) == [] and texts(offline).strip()
    points = chat.say('/find_service_point{"district":"天河"}')  # a district button
    answer = texts(points)
    assert "Tianhe (天河)" in answer and "given in Chinese, as the tax office publishes them" in answer
    assert english_problems_in(points) == []
    back = chat.say("为什么暂停了")
    assert "维护" in texts(back) and not re.search(r"\b(the|and|you)\b", texts(back))
    assert all(CHINESE.search(t) for t in button_titles(back))


def test_a_widget_that_starts_in_english_gets_an_english_hand_off_with_english_hours(servers):
    """The widget's own payloads carry its language: a visitor on an English page who presses
    "Talk to a person" before writing anything reads the hand-off in English."""
    chat = Chat(servers.rasa)
    opened = chat.say('/request_human{"language":"en"}')
    assert english_problems_in(opened) == [], texts(opened)
    assert "staffed hours: Mon–Sun 00:00-24:00" in texts(opened)
    assert "the 12366 tax service hotline (in Guangzhou also 020-12366)" in texts(opened)
    assert not CHINESE.search(texts(opened))  # not even the hotline's Chinese name
    assert "Cancel the agent request" in button_titles(opened)
    left = chat.say("/cancel_handoff")
    assert english_problems_in(left) == [] and texts(left).strip()


def test_an_english_visitor_who_types_too_fast_is_told_in_english(servers):
    """The limit message follows the visitor too, even for an "ok" that shows no language."""
    import json
    from concurrent.futures import ThreadPoolExecutor

    from bot.channel_texts import say as channel_text
    from tests.security.attack import rest

    chat = Chat(servers.rasa)
    assert english(chat.say("when will it be back"))
    with ThreadPoolExecutor(max_workers=40) as pool:  # all at once: a conversation's turns run one by one
        results = list(
            pool.map(lambda _: rest(servers, {"sender": chat.sender, "message": "ok"}, address=chat.address), range(40))
        )
    refused = [json.loads(body)["message"] for status, _h, body in results if status == 429]
    assert refused and set(refused) == {channel_text("en", "too_fast")}


def test_an_english_subscriber_hears_of_the_restoration_in_english(servers):
    """The notice and the live status that comes with it are in the subscriber's language."""
    import time

    from tests.e2e.chat import SocketChat
    from tests.e2e.test_live_status import http, put_status

    put_status(servers, state="suspended")
    subscriber = SocketChat(servers.rasa)
    try:
        assert english(subscriber.say("when will the e-invoice system be back"))
        assert english(subscriber.say("/subscribe_restoration"))
    finally:
        subscriber.close()
    put_status(servers, state="normal", message="系统已恢复。")
    try:

        def bot_texts():
            url = f"{servers.rasa}/conversations/{subscriber.sender}/tracker?token=test-rasa-token"
            return [e.get("text") or "" for e in http("GET", url)[1]["events"] if e["event"] == "bot"]

        deadline = time.monotonic() + 15
        while not any("[Service restored]" in t for t in bot_texts()) and time.monotonic() < deadline:
            time.sleep(0.5)
        said = bot_texts()
        assert any("[Service restored]" in t for t in said) and not any("【恢复通知】" in t for t in said)
        assert "**back to normal**" in said[-1]
        assert "Note from the staff (in Chinese, as they wrote it): 系统已恢复。" in said[-1]
    finally:
        put_status(servers, state="suspended")
