import base64

import pytest
from wechatpy.crypto import WeChatCrypto
from wechatpy.exceptions import InvalidSignatureException
from wechatpy.utils import check_signature as wechatpy_check_signature

from bot.wechat.crypto import DecryptError, MessageCrypto, check_signature, sha1_signature
from bot.wechat.messages import parse_xml

# Tencent's published WXBizMsgCrypt sample.
TOKEN = "QDG6eK"
AES_KEY = "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C"
APP_ID = "wx5823bf96d3bd56c7"
MSG_SIGNATURE = "477715d11cdb4164915debcba66cb864d751f3e6"
TIMESTAMP = "1409659813"
NONCE = "1372623149"
ENCRYPTED = "RypEvHKD8QQKFhvQ6QleEB4J58tiPdvo+rtK1I9qca6aM/wvqnLSV5zEPeusUiX5L5X/0lWfrf0QADHHhGd3QczcdCUpj911L3vg3W/sYYvuJTs3TUUkSUXxaccAS0qhxchrRYt66wiSpGLYL42aM6A8dTT+6k4aSknmPj48kzJs8qLjvd4Xgpue06DOdnLxAUHzM6+kDZ+HMZfJYuR+LtwGc2hgf5gsijff0ekUNXZiqATP7PF5mZxZ3Izoun1s4zG4LUMnvw2r+KqCKIw+3IQH03v+BCA9nMELNqbSf6tiWSrXJB3LAVGUcallcrw8V2t9EL4EhzJWrQUax5wLVMNS0+rUPA3k22Ncx4XXZS9o0MBH27Bo6BpNelZpS+/uh9KsNlY6bHCmJU9p8g7m3fVKn28H3KDYA5Pl/T8Z1ptDAVe0lXdQ2YoyyH2uyPIGHBZZIs2pDBS8R07+qN+E7Q=="


@pytest.fixture
def crypto():
    return MessageCrypto(TOKEN, AES_KEY, APP_ID)


def test_tencent_sample_signature_verifies(crypto):
    assert crypto.check_msg_signature(MSG_SIGNATURE, TIMESTAMP, NONCE, ENCRYPTED)
    assert sha1_signature(TOKEN, TIMESTAMP, NONCE, ENCRYPTED) == MSG_SIGNATURE


def test_tencent_sample_decrypts_to_hello(crypto):
    fields = parse_xml(crypto.decrypt(ENCRYPTED))
    assert fields["Content"] == "hello"
    assert fields["FromUserName"] == "mycreate"
    assert fields["MsgId"] == "4561255354251345929"
    assert fields["MsgType"] == "text"


def test_tencent_sample_wrong_app_id_is_rejected():
    with pytest.raises(DecryptError, match="app id"):
        MessageCrypto(TOKEN, AES_KEY, "wx0000000000000000").decrypt(ENCRYPTED)


def test_tencent_sample_tampered_ciphertext_is_rejected(crypto):
    raw = bytearray(base64.b64decode(ENCRYPTED))
    raw[0] ^= 0x80  # CBC: flips the high byte of the length field in the next block
    with pytest.raises(DecryptError):
        crypto.decrypt(base64.b64encode(bytes(raw)).decode())
    raw = bytearray(base64.b64decode(ENCRYPTED))
    raw[-17] ^= 0x01  # flips the last padding byte
    with pytest.raises(DecryptError):
        crypto.decrypt(base64.b64encode(bytes(raw)).decode())


@pytest.mark.parametrize("bad", ["", "not base64!", base64.b64encode(b"x" * 15).decode(), ENCRYPTED[:-24] + "=="])
def test_garbage_ciphertext_is_rejected(crypto, bad):
    with pytest.raises(DecryptError):
        crypto.decrypt(bad)


def test_tencent_sample_wrong_signature_is_rejected(crypto):
    assert not crypto.check_msg_signature(MSG_SIGNATURE[:-1] + "0", TIMESTAMP, NONCE, ENCRYPTED)
    assert not crypto.check_msg_signature(MSG_SIGNATURE, TIMESTAMP, "1372623150", ENCRYPTED)
    assert not crypto.check_msg_signature(MSG_SIGNATURE, TIMESTAMP, NONCE, ENCRYPTED[:-4] + "AAA=")
    assert not MessageCrypto("other", AES_KEY, APP_ID).check_msg_signature(MSG_SIGNATURE, TIMESTAMP, NONCE, ENCRYPTED)
    assert not crypto.check_msg_signature("", TIMESTAMP, NONCE, ENCRYPTED)
    assert not crypto.check_msg_signature("签名", TIMESTAMP, NONCE, ENCRYPTED)


def test_sha1_signature_sorts_parts():
    assert sha1_signature("b", "a", "c") == sha1_signature("c", "b", "a")
    assert sha1_signature("b", "a") == "da23614e02469a0d7c7bd1bdab5c9c474b1904dc"  # sha1("ab")


def test_check_signature_matches_wechatpy():
    signature = sha1_signature(TOKEN, TIMESTAMP, NONCE)
    assert check_signature(TOKEN, signature, TIMESTAMP, NONCE)
    wechatpy_check_signature(TOKEN, signature, TIMESTAMP, NONCE)  # raises on mismatch
    bad = "0" * 40
    assert not check_signature(TOKEN, bad, TIMESTAMP, NONCE)
    with pytest.raises(InvalidSignatureException):
        wechatpy_check_signature(TOKEN, bad, TIMESTAMP, NONCE)


@pytest.mark.parametrize("missing", range(4))
def test_check_signature_rejects_missing_values(missing):
    args = [TOKEN, sha1_signature(TOKEN, TIMESTAMP, NONCE), TIMESTAMP, NONCE]
    args[missing] = ""
    assert not check_signature(*args)


def test_our_reply_is_decrypted_by_wechatpy(crypto):
    reply = "<xml><Content><![CDATA[你好，世界]]></Content></xml>"
    document = crypto.encrypted_reply(reply, timestamp=TIMESTAMP, nonce=NONCE)
    fields = parse_xml(document)
    assert fields["TimeStamp"] == TIMESTAMP and fields["Nonce"] == NONCE
    peer = WeChatCrypto(TOKEN, AES_KEY, APP_ID)
    assert peer.decrypt_message(document, fields["MsgSignature"], fields["TimeStamp"], fields["Nonce"]) == reply


def test_reply_defaults_timestamp_and_nonce(crypto):
    fields = parse_xml(crypto.encrypted_reply("<xml/>"))
    assert fields["TimeStamp"].isdigit() and len(fields["Nonce"]) == 10 and fields["Nonce"].isdigit()
    assert crypto.check_msg_signature(fields["MsgSignature"], fields["TimeStamp"], fields["Nonce"], fields["Encrypt"])
    peer = WeChatCrypto(TOKEN, AES_KEY, APP_ID)
    doc = crypto.encrypted_reply("<xml/>")
    f = parse_xml(doc)
    assert peer.decrypt_message(doc, f["MsgSignature"], f["TimeStamp"], f["Nonce"]) == "<xml/>"


def test_wechatpy_message_is_verified_and_decrypted_by_us(crypto):
    message = "<xml><Content><![CDATA[查询快递 SF123]]></Content></xml>"
    document = WeChatCrypto(TOKEN, AES_KEY, APP_ID).encrypt_message(message, NONCE, TIMESTAMP)
    fields = parse_xml(document)
    assert crypto.check_msg_signature(fields["MsgSignature"], TIMESTAMP, NONCE, fields["Encrypt"])
    assert crypto.decrypt(fields["Encrypt"]) == message


@pytest.mark.parametrize(
    "text",
    ["", "hello", "你好，世界", "中文测试" * 8, "x" * 32, "x" * 64]
    + ["a" * n for n in range(1, 70)],  # every padding length 1..32
)
def test_round_trip(crypto, text):
    encrypted = crypto.encrypt(text)
    assert crypto.decrypt(encrypted) == text
    payload = 16 + 4 + len(text.encode()) + len(APP_ID)
    assert len(base64.b64decode(encrypted)) == payload + 32 - payload % 32


def test_round_trip_with_full_padding_block_and_fixed_prefix(crypto):
    text = "a" * 26  # 16 + 4 + 26 + 18 = 64: padding is a whole 32-byte block
    first = crypto.encrypt(text, random_prefix=b"\x00" * 16)
    assert first == crypto.encrypt(text, random_prefix=b"\x00" * 16)
    assert len(base64.b64decode(first)) == 96
    assert crypto.decrypt(first) == text
    assert crypto.encrypt(text) != crypto.encrypt(text)  # random prefix by default
    with pytest.raises(ValueError):
        crypto.encrypt(text, random_prefix=b"short")


@pytest.mark.parametrize("key", ["", "short", AES_KEY[:-1], AES_KEY + "AAAA", "!" * 43])
def test_bad_encoding_aes_key_raises(key):
    with pytest.raises(ValueError, match="EncodingAESKey"):
        MessageCrypto(TOKEN, key, APP_ID)
