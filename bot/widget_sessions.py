"""Widget sessions: an id the server issues and a key that proves the holder got it from us.

The socket.io channel issues a new session id (a random hex string) with its key when a
widget connects without a valid pair; joining the session's room, sending into it and reading
its history (the web app) all require the key. The key is an HMAC of the id, so no table is
needed and every Rasa replica and the web app agree on it.

WIDGET_SESSION_SECRET is the HMAC key; without it, one is derived from RASA_AUTH_TOKEN (which
Rasa and the web app always share). With neither, the key is random for this process only.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import re
import secrets
import uuid
from functools import lru_cache
from typing import Optional, Tuple

from bot import settings

logger = logging.getLogger(__name__)

SESSION_ID = re.compile(r"^[A-Za-z0-9_-]{8,64}$")


@lru_cache(maxsize=1)
def _secret() -> bytes:
    explicit = settings.WIDGET_SESSION_SECRET
    if explicit:
        return explicit.encode()
    rasa_token = settings.RASA_AUTH_TOKEN
    if rasa_token:
        return hmac.new(rasa_token.encode(), b"widget-session-secret", hashlib.sha256).digest()
    logger.warning("neither WIDGET_SESSION_SECRET nor RASA_AUTH_TOKEN is set: widget sessions last one process")
    return secrets.token_bytes(32)


def session_key(session_id: str) -> str:
    return hmac.new(_secret(), f"widget-session:{session_id}".encode(), hashlib.sha256).hexdigest()[:32]


def is_valid(session_id: object, key: object) -> bool:
    """Whether `key` is the key of `session_id` (both strings of the expected shape)."""
    if not isinstance(session_id, str) or not isinstance(key, str) or not SESSION_ID.match(session_id):
        return False
    return hmac.compare_digest(session_key(session_id).encode(), key.encode())


def new_session() -> Tuple[str, str]:
    session_id = uuid.uuid4().hex
    return session_id, session_key(session_id)


def confirm(session_id: Optional[object], key: Optional[object]) -> Tuple[str, str]:
    """The session a widget may use: its own when the key is right, else a new one."""
    if is_valid(session_id, key):
        return str(session_id), str(key)
    return new_session()
