"""WeChat official-account message signing and encryption (WXBizMsgCrypt-compatible).

Implemented directly on ``cryptography`` rather than through ``wechatpy`` so the
channel owns the few dozen lines that guard its trust boundary: signatures are
compared in constant time, and padding, length and app id are validated before
any decrypted text is returned. WeChat uses AES-256-CBC with key = base64 of the
43-character EncodingAESKey, iv = key[:16], and PKCS#7 padding to 32-byte
blocks (not AES's 16), so the padding is done here instead of by the cipher.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
import secrets
import struct
import time

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

_BLOCK = 32  # WeChat's PKCS#7 block size
_PREFIX = 16  # random bytes in front of every message


class SignatureError(Exception):
    """A request's signature did not match."""


class DecryptError(ValueError):
    """An encrypted message could not be decrypted or failed validation."""


def sha1_signature(*parts: str) -> str:
    """SHA-1 hex digest of ``parts`` sorted as strings and concatenated."""
    return hashlib.sha1("".join(sorted(parts)).encode("utf-8")).hexdigest()


def _same(expected: str, given: str) -> bool:
    return hmac.compare_digest(expected.encode("utf-8"), given.encode("utf-8"))


def check_signature(token: str, signature: str, timestamp: str, nonce: str) -> bool:
    """Verify the plain-mode signature (URL check and unencrypted messages)."""
    if not (token and signature and timestamp and nonce):
        return False
    return _same(sha1_signature(token, timestamp, nonce), signature)


class MessageCrypto:
    """Encrypt, decrypt and sign messages for one official account."""

    def __init__(self, token: str, encoding_aes_key: str, app_id: str) -> None:
        try:
            key = base64.b64decode(encoding_aes_key + "=", validate=True)
        except (binascii.Error, ValueError):
            key = b""
        if len(key) != 32:
            raise ValueError(
                "EncodingAESKey must be the 43-character base64 key from the WeChat console (it decodes to 32 bytes)"
            )
        self.token = token
        self.app_id = app_id
        self._cipher = Cipher(algorithms.AES(key), modes.CBC(key[:16]))

    def check_msg_signature(self, msg_signature: str, timestamp: str, nonce: str, encrypted: str) -> bool:
        if not (msg_signature and timestamp and nonce and encrypted):
            return False
        return _same(sha1_signature(self.token, timestamp, nonce, encrypted), msg_signature)

    def decrypt(self, encrypted: str) -> str:
        try:
            data = base64.b64decode(encrypted, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise DecryptError("ciphertext is not valid base64") from exc
        if not data or len(data) % 16:
            raise DecryptError("ciphertext length is not a multiple of the AES block")
        decryptor = self._cipher.decryptor()
        plain = decryptor.update(data) + decryptor.finalize()
        pad = plain[-1]
        if not 1 <= pad <= _BLOCK or plain[-pad:] != bytes([pad]) * pad:
            raise DecryptError("bad padding")
        content = plain[_PREFIX:-pad]
        if len(content) < 4:
            raise DecryptError("message too short")
        (length,) = struct.unpack(">I", content[:4])
        if 4 + length > len(content):
            raise DecryptError("bad message length")
        message, app_id = content[4 : 4 + length], content[4 + length :]
        if not hmac.compare_digest(app_id, self.app_id.encode("utf-8")):
            raise DecryptError("app id mismatch")
        try:
            return message.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise DecryptError("message is not UTF-8") from exc

    def encrypt(self, plaintext: str, random_prefix: bytes | None = None) -> str:
        prefix = os.urandom(_PREFIX) if random_prefix is None else random_prefix
        if len(prefix) != _PREFIX:
            raise ValueError(f"random_prefix must be {_PREFIX} bytes")
        message = plaintext.encode("utf-8")
        payload = prefix + struct.pack(">I", len(message)) + message + self.app_id.encode("utf-8")
        pad = _BLOCK - len(payload) % _BLOCK
        payload += bytes([pad]) * pad
        encryptor = self._cipher.encryptor()
        return base64.b64encode(encryptor.update(payload) + encryptor.finalize()).decode("ascii")

    def encrypted_reply(self, reply_xml: str, timestamp: str | None = None, nonce: str | None = None) -> str:
        """The complete encrypted passive-reply document for ``reply_xml``."""
        timestamp = timestamp or str(int(time.time()))
        nonce = nonce or "".join(secrets.choice("0123456789") for _ in range(10))
        encrypted = self.encrypt(reply_xml)
        signature = sha1_signature(self.token, timestamp, nonce, encrypted)
        return (
            f"<xml><Encrypt><![CDATA[{encrypted}]]></Encrypt>"
            f"<MsgSignature><![CDATA[{signature}]]></MsgSignature>"
            f"<TimeStamp>{timestamp}</TimeStamp>"
            f"<Nonce><![CDATA[{nonce}]]></Nonce></xml>"
        )
