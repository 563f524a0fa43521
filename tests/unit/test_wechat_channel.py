"""The WeChat channel's reply decisions: transfer on hand-off, success when late, one reply per turn."""

import asyncio
import time

from bot.channels.wechat import Turn, WeChatConfig, WeChatInput
from bot.wechat.messages import parse_xml

HANDOFF_TURN = [{"text": "已为您转接人工客服，请稍候。"}, {"custom": {"data": {"handoff": True}}}]


def channel(**overrides):
    return WeChatInput(WeChatConfig(token="t", app_id="wx", app_secret="", **overrides))


async def finished(messages):
    return messages


async def test_handoff_transfers_to_wechat_customer_service_when_the_account_uses_it():
    turn = Turn(asyncio.ensure_future(finished(HANDOFF_TURN)), time.monotonic())
    reply = parse_xml(await channel(kf_transfer=True)._answer(turn, "openid-1", "gh_1", time.monotonic()))
    assert reply["MsgType"] == "transfer_customer_service" and reply["ToUserName"] == "openid-1"


async def test_handoff_without_wechat_customer_service_says_so_with_the_hotline_text():
    turn = Turn(asyncio.ensure_future(finished(HANDOFF_TURN)), time.monotonic())
    reply = parse_xml(await channel()._answer(turn, "openid-1", "gh_1", time.monotonic()))
    assert reply["MsgType"] == "text" and "转接人工" in reply["Content"]


async def test_a_late_answer_is_success_once_and_the_same_for_retries():
    async def slow():
        await asyncio.sleep(0.3)
        return [{"text": "答案"}]

    wechat = channel(reply_deadline=0.05)
    turn = Turn(asyncio.ensure_future(slow()), time.monotonic())
    assert await wechat._answer(turn, "openid-2", "gh_1", time.monotonic()) == "success"
    assert turn.deferred
    assert await wechat._answer(turn, "openid-2", "gh_1", time.monotonic()) == "success"
    await asyncio.sleep(0.4)  # the late delivery runs (and, with no API configured, is logged)
    assert not wechat._background


async def test_a_retry_after_the_answer_gets_the_identical_reply():
    wechat = channel()
    turn = Turn(asyncio.ensure_future(finished([{"text": "答案"}])), time.monotonic())
    first = await wechat._answer(turn, "openid-3", "gh_1", time.monotonic())
    assert await wechat._answer(turn, "openid-3", "gh_1", time.monotonic()) == first


def request(body, **args):
    from types import SimpleNamespace

    return SimpleNamespace(body=body.encode(), args=args)


def signed(token, timestamp, nonce, *more):
    from bot.wechat.crypto import sha1_signature

    return sha1_signature(token, timestamp, nonce, *more)


def test_plain_mode_checks_freshness_and_nonces_too():
    import pytest

    from bot.wechat.replay import Replayed

    wechat = channel()
    now = str(int(time.time()))
    xml = "<xml><FromUserName>u</FromUserName><MsgType>text</MsgType><Content>hi</Content></xml>"
    assert wechat._fields(request(xml, timestamp=now, nonce="n1"))["Content"] == "hi"
    assert wechat._fields(request(xml, timestamp=now, nonce="n1"))["Content"] == "hi"  # a retry
    with pytest.raises(Replayed):
        wechat._fields(request(xml.replace("hi", "转人工"), timestamp=now, nonce="n1"))
    with pytest.raises(Replayed):
        wechat._fields(request(xml, timestamp="1000000000", nonce="n2"))


def test_safe_mode_refuses_plaintext_and_a_missing_msg_signature():
    import pytest
    from wechatpy.crypto import WeChatCrypto

    from bot.wechat.crypto import DecryptError
    from tests.conftest import WECHAT

    wechat = WeChatInput(
        WeChatConfig(token=WECHAT["token"], app_id=WECHAT["app_id"], app_secret="", encoding_aes_key=WECHAT["aes_key"])
    )
    now = str(int(time.time()))
    xml = "<xml><FromUserName>u</FromUserName><MsgType>text</MsgType><Content>hi</Content></xml>"
    with pytest.raises(DecryptError):
        wechat._fields(request(xml, timestamp=now, nonce="n1"))
    document = parse_xml(
        WeChatCrypto(WECHAT["token"], WECHAT["aes_key"], WECHAT["app_id"]).encrypt_message(xml, "n2", now)
    )
    body = f"<xml><Encrypt>{document['Encrypt']}</Encrypt></xml>"
    with pytest.raises(DecryptError):
        wechat._fields(request(body, timestamp=now, nonce="n2", encrypt_type="aes"))
    fields = wechat._fields(
        request(body, timestamp=now, nonce="n2", encrypt_type="aes", msg_signature=document["MsgSignature"])
    )
    assert fields["Content"] == "hi"


async def test_the_shared_limit_policy_refuses_too_long_and_too_fast_without_a_turn():
    from bot.ratelimit import MAX_MESSAGE_CHARS, TOO_FAST, TOO_LONG
    from bot.wechat.messages import Incoming

    wechat = channel()

    async def never_called(message):
        raise AssertionError("a refused message must not reach Rasa")

    def say(text, msg_id):
        message = Incoming(openid="openid-9", account="gh_1", kind="text", msg_id=msg_id, text=text)
        return wechat._handle(message, never_called, time.monotonic())

    too_long = parse_xml(await say("长" * (MAX_MESSAGE_CHARS + 1), "1"))
    assert too_long["Content"] == TOO_LONG
    for _ in range(wechat.limits.senders.burst):  # the bucket empties without running a turn
        wechat.limits.senders.allow("openid-9")
    assert parse_xml(await say("你好", "2"))["Content"] == TOO_FAST
    assert not wechat.turns.get(("openid-9", "2"))
