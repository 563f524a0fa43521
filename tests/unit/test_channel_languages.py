"""The words WeChat and 微信客服 add themselves follow the visitor's language.

A visitor who writes English reads "Reply 1: …" under the answer, English limit messages and
an English request for text; a short "1" or "ok" keeps the language; Chinese switches it back.
"""

from __future__ import annotations

import re
import time

from bot.channel_texts import TEXTS, in_language, say
from bot.channels.wechat import WeChatConfig, WeChatInput
from bot.language import LanguageMemory
from bot.ratelimit import MAX_MESSAGE_CHARS, TOO_FAST, TOO_LONG, MessagePolicy
from bot.wechat.messages import ASK_FOR_TEXT, Incoming, parse_xml
from bot.wechat.render import OptionMemory, render
from bot.wecom.messages import MENU_HEAD_BYTES, sends
from tests.fakes import wecom_api  # noqa: F401  (the fixture below uses its state)
from tests.unit.test_wecom_kf import (
    KFID,
    channel,
    fake,  # noqa: F401  (pytest fixture)
    push,
    sent_to,
    text,
)

CJK = re.compile(r"[\u3400-\u9fff]")
BUTTONS_EN = [
    {"title": "Is it back yet?", "payload": "/ask_outage_status"},
    {"title": "Talk to a person", "payload": "/request_human"},
]


def test_the_tables_have_the_same_words_in_both_languages():
    assert set(TEXTS["zh"]) == set(TEXTS["en"])
    for key, english in TEXTS["en"].items():
        assert not CJK.search(english), key
        assert "tap" not in english.lower() and "click" not in english.lower(), key
    for key, chinese in TEXTS["zh"].items():
        assert key in TEXTS["en"] and (
            "你" not in chinese and "「" not in chinese and not re.search(r"[\u4e00-\u9fff] +[\u4e00-\u9fff]", chinese)
        )
    assert TOO_FAST == say("zh", "too_fast") and TOO_LONG == say("zh", "too_long", limit=MAX_MESSAGE_CHARS)
    assert in_language(ASK_FOR_TEXT, "en").startswith("Sorry, I can only read text messages")
    assert in_language("答：别的", "en") == "答：别的"  # not a channel text: unchanged


def test_options_are_numbered_in_the_visitors_language():
    message = {"text": "**When** will it be back?", "buttons": BUTTONS_EN}
    english = render([message], lang="en")
    assert english.parts == ["When will it be back?\nReply 1: Is it back yet?\nReply 2: Talk to a person"]
    assert render([message]).parts[0].endswith("回复 2：Talk to a person")  # Chinese stays the default
    memory = OptionMemory()
    memory.render("u", [message], "en")
    assert memory.render("u", [message], "en").parts[0].splitlines()[1] == "Reply 3: Is it back yet?"
    assert memory.take_reply("u", "3") == "/ask_outage_status"


def test_the_language_memory_follows_what_the_visitor_writes():
    languages = LanguageMemory(max_users=2)
    assert languages.of("a") == "zh"
    assert languages.follow("a", "when will it be back") == "en"
    for keeps in ("1", "ok", "👍", "/request_human", ""):
        assert languages.follow("a", keeps) == "en"
    assert languages.follow("a", "那现在呢") == "zh"
    languages.follow("b", "hello there friend")
    languages.follow("c", "thanks a lot")
    assert languages.of("a") == "zh" and languages.of("b") == "en"  # "a" forgotten: Chinese again


def test_the_limit_policy_refuses_in_the_messages_language():
    policy = MessagePolicy(sender_burst=1, sender_per_second=0.0, address_burst=0)
    assert policy.check("s", None, "ab " * MAX_MESSAGE_CHARS) == say("en", "too_long", limit=MAX_MESSAGE_CHARS)
    assert policy.check("s", None, "长" * (MAX_MESSAGE_CHARS + 1)) == TOO_LONG
    assert policy.check("s", None, "is it back") is None
    assert policy.check("s", None, "is it back") == say("en", "too_fast")
    assert policy.check("s", None, "好了吗") == TOO_FAST
    assert policy.check("s", None, "1", "en") == say("en", "too_fast")  # the channel knows the visitor


def test_a_wecom_menu_too_long_for_its_head_says_choose_in_english():
    rendered = render([{"text": "a" * (MENU_HEAD_BYTES + 10), "buttons": BUTTONS_EN}], lang="en")
    bodies = sends(rendered, "en")
    assert bodies[-1]["msgmenu"]["head_content"] == "Please choose (or reply with a number):"
    assert sends(rendered)[-1]["msgmenu"]["head_content"] == "请选择（也可以回复数字）："


async def test_wechat_english_visitor_reads_english_options_refusals_and_requests():
    wechat = WeChatInput(WeChatConfig(token="t", app_id="wx", app_secret=""))

    async def bot(message):
        english = message.text in ("when is it back", "/ask_outage_status")
        message.output_channel.messages.append(
            {"text": "It is suspended." if english else "暂停中。", "buttons": BUTTONS_EN if english else []}
        )

    async def say_(content, msg_id):
        message = Incoming(openid="o-en", account="gh", kind="text", msg_id=msg_id, text=content)
        return parse_xml(await wechat._handle(message, bot, time.monotonic()))["Content"]

    assert await say_("when is it back", "1") == "It is suspended.\nReply 1: Is it back yet?\nReply 2: Talk to a person"
    assert (await say_("1", "2")).startswith("It is suspended.\nReply 1:")  # the typed number keeps English
    for _ in range(wechat.limits.senders.burst):
        wechat.limits.senders.allow("o-en")
    assert await say_("2", "3") == say("en", "too_fast")
    assert wechat.languages.follow("o-en", "现在呢") == "zh"
    assert await say_("好的谢谢", "4") == TOO_FAST


async def test_wecom_english_visitor_gets_english_requests_and_menus(fake, tmp_path):  # noqa: F811
    kf, bot = channel(fake, tmp_path / "kf.db")
    base = {"open_kfid": KFID, "external_userid": "wm-en", "origin": 3, "send_time": int(time.time())}
    await kf.pull(push(text("wm-en", "hello is the service back")))
    await kf.pull(push({**base, "msgid": "img1", "msgtype": "image", "image": {"media_id": "m"}}))
    asked = sent_to("wm-en")[-1]["text"]["content"]
    assert asked == say("en", "ask_for_text")
    await kf.pull(push(text("wm-en", "这个呢")))
    await kf.pull(push({**base, "msgid": "img2", "msgtype": "image", "image": {"media_id": "m"}}))
    assert sent_to("wm-en")[-1]["text"]["content"] == ASK_FOR_TEXT


def test_staffed_hours_read_in_the_visitors_language():
    from bot.handoffs.staffing import parse_staffing

    staffing = parse_staffing(
        {
            "hours": {d: ["09:00-12:00", "13:30-18:00"] for d in ("mon", "tue", "wed", "thu", "fri")}
            | {"sat": ["09:00-12:00"]},
            "closed_dates": ["2031-12-25"],
        }
    )
    assert staffing.describe() == "周一至周五 09:00-12:00、13:30-18:00；周六 09:00-12:00（节假日除外）"
    assert staffing.describe("en") == "Mon–Fri 09:00-12:00, 13:30-18:00; Sat 09:00-12:00 (except public holidays)"
    assert parse_staffing({"hours": {}}).describe("en") == "not scheduled yet"


def test_fixed_payloads_are_titled_in_the_conversations_language():
    from bot.conversations.transcript import transcript

    def user(text, entities=()):
        return {"event": "user", "text": text, "parse_data": {"entities": list(entities)}}

    events = [
        user("/request_human"),
        {"event": "slot", "name": "language", "value": "en"},
        user("/request_human"),
        user('/request_human{"language":"en"}', [{"entity": "language", "value": "en"}]),
        user('/find_service_point{"language":"en"}', [{"entity": "language", "value": "en"}]),
        {"event": "slot", "name": "language", "value": "zh"},
        user("/cancel_handoff"),
        user("/faq_made_up"),
    ]
    shown = [m["text"] for m in transcript(events)]
    assert shown == [
        "转人工",
        "Talk to a person",
        "Talk to a person",
        "Find service points near me",
        "取消人工",
        "/faq_made_up",
    ]
