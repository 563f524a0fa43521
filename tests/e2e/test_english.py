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


def test_chinese_stays_the_default(servers):
    reply = Chat(servers.rasa).say("你好")
    assert "自动咨询助手" in texts(reply)
