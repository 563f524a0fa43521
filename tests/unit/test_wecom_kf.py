"""The wecom_kf channel against the fake WeCom server (in process), with a stand-in bot.

What WeCom does is the fake's documented JSON (tests/fakes/wecom_api.py); the conversation is a
stand-in `on_new_message` that answers each text, so these tests are about the protocol: pages,
cursor, de-duplication across a restart, quota and refusals, token expiry, welcome, menus,
hand-off transfer and release.
"""

import asyncio
import time
import uuid

import pytest
from aiohttp.test_utils import TestServer

from bot.channels.wecom_kf import WeComKfConfig, WeComKfInput
from bot.wecom.outbox import DeliveryRefused
from bot.wecom.state import KfState
from tests.fakes import wecom_api

KFID = "wk-test"
BUTTONS = [{"title": "现在恢复了吗", "payload": "/ask_status"}, {"title": "转人工", "payload": "/request_human"}]


class Bot:
    """Answers "答：<text>"; "菜单" gets buttons; "/request_human" hands off."""

    def __init__(self):
        self.heard = []

    async def __call__(self, message):
        self.heard.append((message.sender_id, message.text, message.metadata))
        if message.text == "菜单" or message.text == "/greet":
            message.output_channel.messages.append({"text": "您好，请选择：", "buttons": BUTTONS})
        elif message.text == "/request_human":
            message.output_channel.messages.append({"text": "已为您转人工。"})
            message.output_channel.messages.append({"custom": {"data": {"handoff": True}}})
        else:
            message.output_channel.messages.append({"text": f"答：{message.text}"})


@pytest.fixture
async def fake():
    wecom_api.reset()
    server = TestServer(wecom_api.app())
    await server.start_server()
    yield f"http://127.0.0.1:{server.port}"
    await server.close()


def channel(base, db, servicer=""):
    config = WeComKfConfig(
        corp_id="ww-corp",
        secret="kf-secret",
        token="tok",
        encoding_aes_key="jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C",
        open_kfid=KFID,
        api_base=base,
        servicer_userid=servicer,
    )
    kf = WeComKfInput(config, KfState(f"sqlite:///{db}"))
    bot = Bot()
    kf._on_new_message = bot
    return kf, bot


def text(user, content, msgid=None, menu_id=None):
    body = {"content": content, **({"menu_id": menu_id} if menu_id else {})}
    return {
        "msgid": msgid or uuid.uuid4().hex,
        "open_kfid": KFID,
        "external_userid": user,
        "origin": 3,
        "send_time": int(time.time()),
        "msgtype": "text",
        "text": body,
    }


def push(*items):
    return wecom_api.state["callback_tokens"][-1] if _push(items) else ""


def _push(items):
    for item in items:
        if not isinstance(item, dict):
            wecom_api.state["items"].append(item)
            continue
        if item.get("origin") == 3:
            wecom_api.state["since_customer"][item["external_userid"]] = 0
        code = (item.get("event") or {}).get("welcome_code")
        if code:
            wecom_api.state["codes"].append(code)
        wecom_api.state["items"].append(item)
    wecom_api.state["callback_tokens"].append(f"ENC{len(wecom_api.state['callback_tokens'])}")
    return True


def sent_to(user):
    return [m for m in wecom_api.state["sent"] if m["touser"] == user]


async def test_pages_are_followed_and_a_restart_neither_loses_nor_repeats(fake, tmp_path):
    kf, bot = channel(fake, tmp_path / "kf.db")
    token = push(*(text("wm-a", f"问题{i}", f"a{i}") for i in range(5)))  # 3 pages of 2
    assert await kf.pull(token) == 5
    assert [t for _u, t, _m in bot.heard] == [f"问题{i}" for i in range(5)]
    assert [m["text"]["content"] for m in sent_to("wm-a")] == [f"答：问题{i}" for i in range(5)]
    assert [c.get("cursor") for c in wecom_api.state["sync_calls"]] == [None, "2", "4"]
    assert all(c["token"] == token for c in wecom_api.state["sync_calls"])
    # a restart: a new channel on the same database resumes at the saved cursor
    restarted, bot2 = channel(fake, tmp_path / "kf.db")
    token = push(text("wm-a", "问题5", "a5"))
    await restarted.pull(token)
    assert [t for _u, t, _m in bot2.heard] == ["问题5"]
    # a crash after answering but before the cursor was saved: the page comes again, no repeat
    restarted.state.save_cursor(KFID, "0")
    again, bot3 = channel(fake, tmp_path / "kf.db")
    await again.pull(push(text("wm-a", "问题6", "a6")))
    assert [t for _u, t, _m in bot3.heard] == ["问题6"]
    assert len(sent_to("wm-a")) == 7


async def test_a_page_with_a_message_already_answered_answers_it_once(fake, tmp_path):
    kf, bot = channel(fake, tmp_path / "kf.db")
    first = text("wm-b", "为什么暂停", "dup-1")
    await kf.pull(push(first))
    await kf.pull(push(dict(first)))  # WeCom delivers it again in a later page
    assert [t for _u, t, _m in bot.heard] == ["为什么暂停"] and len(sent_to("wm-b")) == 1


async def test_concurrent_callbacks_make_one_pull_at_a_time(fake, tmp_path):
    kf, bot = channel(fake, tmp_path / "kf.db")
    tokens = [push(text("wm-c", f"q{i}", f"c{i}")) for i in range(3)]
    await asyncio.gather(*(kf.pull(t) for t in tokens))
    assert sorted(t for _u, t, _m in bot.heard) == ["q0", "q1", "q2"]
    assert len(sent_to("wm-c")) == 3


async def test_quota_of_five_per_customer_message_and_refusals_are_never_recorded_delivered(fake, tmp_path):
    kf, _bot = channel(fake, tmp_path / "kf.db")
    await kf.pull(push(text("wm-d", "你好", "d1")))
    output = kf.get_output_channel()
    for i in range(4):
        await output.send_text_message("wm-d", f"通知{i}")
    with pytest.raises(DeliveryRefused):  # the 6th: our own count stops it before WeCom
        await output.send_text_message("wm-d", "第六条")
    statuses = kf.outbox.sent("wm-d")
    assert statuses == ["delivered"] * 5 + ["skipped"] and len(sent_to("wm-d")) == 5
    # WeCom refuses what our count allowed (95001, or 45015 outside the window): recorded refused
    await kf.pull(push(text("wm-e", "你好", "e1")))
    for errcode in (95001, 45015):
        wecom_api.state["refuse"]["wm-e"] = errcode
        with pytest.raises(DeliveryRefused):
            await output.send_text_message("wm-e", "恢复通知")
    assert kf.outbox.sent("wm-e") == ["delivered", "refused", "skipped"]  # after 95001: quota spent
    assert kf.state.customer("wm-e").sent_since == 5
    # the customer writes again: the quota is back
    del wecom_api.state["refuse"]["wm-e"]
    await kf.pull(push(text("wm-e", "还在吗", "e2")))
    assert kf.outbox.sent("wm-e")[-1] == "delivered"


async def test_outside_the_48_hour_window_nothing_is_sent(fake, tmp_path):
    kf, _bot = channel(fake, tmp_path / "kf.db")
    old = text("wm-old", "你好", "o1")
    old["send_time"] = int(time.time()) - 49 * 3600
    await kf.pull(push(old))
    assert sent_to("wm-old") == [] and kf.outbox.sent("wm-old") == ["skipped"]


async def test_an_expired_access_token_is_refreshed_once(fake, tmp_path):
    kf, _bot = channel(fake, tmp_path / "kf.db")
    await kf.pull(push(text("wm-f", "一", "f1")))
    assert wecom_api.state["tokens"] == 1
    wecom_api.state["expired"].append(wecom_api.current_token())
    wecom_api.state["tokens"] += 1  # WeCom issued a new one elsewhere; ours answers 42001
    await kf.pull(push(text("wm-f", "二", "f2")))
    assert [m["text"]["content"] for m in sent_to("wm-f")] == ["答：一", "答：二"]
    assert wecom_api.state["tokens"] == 3, (wecom_api.state["expired"], kf.api.tokens.fetches)


async def test_enter_session_welcome_menu_click_and_typed_number(fake, tmp_path):
    kf, bot = channel(fake, tmp_path / "kf.db")
    enter = {
        "msgid": "ev1",
        "open_kfid": KFID,
        "origin": 4,
        "msgtype": "event",
        "event": {
            "event_type": "enter_session",
            "open_kfid": KFID,
            "external_userid": "wm-g",
            "scene": "menu",
            "welcome_code": "WELCOME-1",
        },
    }
    await kf.pull(push(enter))
    welcome = wecom_api.state["welcomes"][0]
    assert welcome["code"] == "WELCOME-1" and welcome["msgtype"] == "msgmenu"
    assert welcome["msgmenu"]["head_content"] == "您好，请选择："
    assert [i["click"] for i in welcome["msgmenu"]["list"]] == [
        {"id": "1", "content": "现在恢复了吗"},
        {"id": "2", "content": "转人工"},
    ]
    await kf.pull(push(text("wm-g", "现在恢复了吗", "g1", menu_id="1")))  # a click on item 1
    assert bot.heard[-1][1] == "/ask_status"
    await kf.pull(push(text("wm-g", "菜单", "g2")))
    await kf.pull(push(text("wm-g", "2", "g3")))  # a typed number means the same
    assert bot.heard[-1][1] == "/request_human"


async def test_location_voice_unknown_types_and_malformed_items(fake, tmp_path):
    kf, bot = channel(fake, tmp_path / "kf.db")
    base = {"open_kfid": KFID, "external_userid": "wm-h", "origin": 3, "send_time": int(time.time())}
    await kf.pull(
        push(
            {
                **base,
                "msgid": "h1",
                "msgtype": "location",
                "location": {"latitude": 23.13, "longitude": 113.26, "name": "x", "address": "y"},
            },
            {**base, "msgid": "h2", "msgtype": "image", "image": {"media_id": "m"}},
            {**base, "msgid": "h3", "msgtype": "voice", "voice": {"media_id": "m"}},
            {**base, "msgid": "h4", "msgtype": "made_up_type"},
            {"msgid": "h5"},
            "not even an object",
            {**base, "msgid": "h6", "msgtype": "location", "location": {}},
        )
    )
    assert bot.heard == [
        (
            "wm-h",
            "/find_service_point",
            {
                "location": {"latitude": 23.13, "longitude": 113.26},
                "wecom_kf": {"msgtype": "location", "open_kfid": KFID},
            },
        )
    ]
    asks = [m["text"]["content"] for m in sent_to("wm-h")[1:]]
    assert len(asks) == 4 and all("文字" in a for a in asks)


async def test_handoff_transfers_to_the_servicer_and_release_returns_to_the_bot(fake, tmp_path):
    kf, _bot = channel(fake, tmp_path / "kf.db", servicer="zhangsan")
    await kf.pull(push(text("wm-i", "/request_human", "i1")))
    assert sent_to("wm-i")[0]["text"]["content"] == "已为您转人工。"
    assert wecom_api.state["transfers"] == [
        {"open_kfid": KFID, "external_userid": "wm-i", "service_state": 3, "servicer_userid": "zhangsan"}
    ]
    # while the servicer has it, the bot sends nothing (and records why)
    await kf.pull(push(text("wm-i", "在吗", "i2")))
    assert len(sent_to("wm-i")) == 1 and kf.outbox.sent("wm-i")[-1] == "skipped"
    # a console reply cannot reach the customer now: refused, so Rasa records nothing
    with pytest.raises(DeliveryRefused):
        await kf.get_output_channel().send_response("wm-i", {"text": "【人工客服】您好"})
    # the release from the console: back to the bot, then its message goes out
    await kf.get_output_channel().send_response(
        "wm-i", {"text": "已结束人工服务。", "custom": {"data": {"handoff_released": True}}}
    )
    assert wecom_api.state["transfers"][-1]["service_state"] == 1
    assert sent_to("wm-i")[-1]["text"]["content"] == "已结束人工服务。"


async def test_handoff_without_a_named_servicer_goes_to_wecoms_queue(fake, tmp_path):
    kf, _bot = channel(fake, tmp_path / "kf.db")
    await kf.pull(push(text("wm-j", "/request_human", "j1")))
    assert wecom_api.state["transfers"][-1]["service_state"] == 2


async def test_send_fail_event_marks_a_delivered_send_failed(fake, tmp_path):
    kf, _bot = channel(fake, tmp_path / "kf.db")
    await kf.pull(push(text("wm-k", "你好", "k1")))
    msgid = sent_to("wm-k")[0]["msgid"]
    await kf.pull(
        push(
            {
                "msgid": "k-ev",
                "open_kfid": KFID,
                "origin": 4,
                "msgtype": "event",
                "event": {
                    "event_type": "msg_send_fail",
                    "open_kfid": KFID,
                    "external_userid": "wm-k",
                    "fail_msgid": msgid,
                    "fail_type": 4,
                },
            }
        )
    )
    assert kf.outbox.sent("wm-k") == ["failed"]


async def test_unconfigured_channel_pulls_nothing(tmp_path):
    kf = WeComKfInput(WeComKfConfig(), KfState(f"sqlite:///{tmp_path / 'kf.db'}"))
    assert kf.crypto is None and await kf.pull("t") == 0


async def test_a_refused_or_garbled_sync_page_changes_nothing_and_the_next_callback_works(fake, tmp_path):
    kf, bot = channel(fake, tmp_path / "kf.db")
    wecom_api.state["items"].append(text("wm-z", "你好", "z1"))
    assert await kf.pull("NOT-A-CALLBACK-TOKEN") == 0  # 95007 from WeCom: logged, nothing answered
    assert bot.heard == [] and kf.state.cursor(KFID) == ""
    assert await kf.handle_page([None, 42, {"msgtype": "text"}, {"msgid": "x", "msgtype": "event"}]) is None
    await kf.pull(push())
    assert [t for _u, t, _m in bot.heard] == ["你好"]


def test_unconfigured_channel_refuses_every_request(tmp_path):
    from types import SimpleNamespace

    from bot.wechat.crypto import DecryptError

    kf = WeComKfInput(WeComKfConfig(token="t", corp_id="c"), KfState(f"sqlite:///{tmp_path / 'kf.db'}"))
    request = SimpleNamespace(args={"msg_signature": "x", "timestamp": str(int(time.time())), "nonce": "n"}, body=b"")
    with pytest.raises(DecryptError):
        kf._verified(request, "anything")
    bad_key = WeComKfInput(
        WeComKfConfig(corp_id="c", secret="s", token="t", encoding_aes_key="short", open_kfid="k"),
        KfState(f"sqlite:///{tmp_path / 'kf.db'}"),
    )
    assert bad_key.crypto is None  # a wrong EncodingAESKey disables the channel (logged), no crash
