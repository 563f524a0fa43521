"""WeCom's callback crypto is the official account's WXBizMsgCrypt with the corp id as receive
id: checked against wechatpy's WeCom implementation (wechatpy.enterprise.crypto) as a peer."""

import pytest
from wechatpy.enterprise.crypto import WeChatCrypto
from wechatpy.enterprise.exceptions import InvalidCorpIdException

from bot.wechat.crypto import DecryptError, MessageCrypto
from bot.wechat.messages import parse_xml

TOKEN, KEY, CORP = "wecomToken", "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG", "ww-test-corp"


def test_wechatpy_callback_is_verified_and_decrypted_by_us():
    xml = "<xml><Event><![CDATA[kf_msg_or_event]]></Event><Token><![CDATA[ENC1]]></Token></xml>"
    document = parse_xml(WeChatCrypto(TOKEN, KEY, CORP).encrypt_message(xml, "n1", "1700000000"))
    ours = MessageCrypto(TOKEN, KEY, CORP)
    assert ours.check_msg_signature(document["MsgSignature"], "1700000000", "n1", document["Encrypt"])
    assert ours.decrypt(document["Encrypt"]) == xml
    with pytest.raises(DecryptError, match="app id"):  # another corp's message
        MessageCrypto(TOKEN, KEY, "ww-other").decrypt(document["Encrypt"])


def test_our_encryption_is_read_by_wechatpy_and_the_echostr_check_matches():
    ours = MessageCrypto(TOKEN, KEY, CORP)
    peer = WeChatCrypto(TOKEN, KEY, CORP)
    document = ours.encrypted_reply("<xml>你好</xml>", timestamp="1700000000", nonce="n2")
    fields = parse_xml(document)
    assert peer.decrypt_message(document, fields["MsgSignature"], "1700000000", "n2") == "<xml>你好</xml>"
    echo = ours.encrypt("echo-42")
    from bot.wechat.crypto import sha1_signature

    assert peer.check_signature(sha1_signature(TOKEN, "1700000000", "n3", echo), "1700000000", "n3", echo) == "echo-42"
    with pytest.raises(InvalidCorpIdException):
        WeChatCrypto(TOKEN, KEY, "ww-other").decrypt_message(document, fields["MsgSignature"], "1700000000", "n2")
