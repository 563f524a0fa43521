"""A tiny REST-channel client for the end-to-end tests."""

from __future__ import annotations

import hashlib
import json
import urllib.request
import uuid
from typing import Any, Dict, List, Optional


def post_json(url: str, body: Dict[str, Any], headers: Optional[Dict[str, str]] = None) -> Any:
    request = urllib.request.Request(
        url,
        data=json.dumps(body).encode(),
        method="POST",
        headers={"Content-Type": "application/json", **(headers or {})},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read() or b"null")


class Chat:
    """One conversation over the REST channel, from a visitor's own address.

    The test servers believe X-Forwarded-For from loopback (TRUSTED_PROXIES, as behind a proxy),
    so each simulated visitor has an address of its own and the per-address limit applies to
    each as it would to real visitors (tests/security sends many from one address on purpose).
    """

    def __init__(self, rasa_url: str, sender: Optional[str] = None) -> None:
        self.url = f"{rasa_url}/webhooks/rest/webhook"
        self.sender = sender or f"test-{uuid.uuid4().hex[:12]}"
        digest = hashlib.sha256(self.sender.encode()).digest()
        self.address = f"10.{digest[0]}.{digest[1]}.{digest[2]}"

    def say(self, text: str, metadata: Optional[Dict[str, Any]] = None) -> List[Dict[str, Any]]:
        body: Dict[str, Any] = {"sender": self.sender, "message": text}
        if metadata:
            body["metadata"] = metadata
        return post_json(self.url, body, {"X-Forwarded-For": self.address})


def texts(messages: List[Dict[str, Any]]) -> str:
    return "\n".join(m.get("text") or "" for m in messages)


def buttons(messages: List[Dict[str, Any]]) -> List[Dict[str, str]]:
    return [b for m in messages for b in m.get("buttons") or []]


def button_titles(messages: List[Dict[str, Any]]) -> List[str]:
    return [b["title"] for b in buttons(messages)]


class SocketChat:
    """One conversation over Rasa's socket.io channel, as the widget holds it (long polling)."""

    def __init__(self, rasa_url: str, session_id: Optional[str] = None, session_key: Optional[str] = None) -> None:
        import queue

        import socketio  # python-socketio, a Rasa dependency

        self.received: List[Dict[str, Any]] = []
        confirmed: "queue.Queue[Dict[str, str]]" = queue.Queue()
        self.client = socketio.Client()
        self.client.on("bot_uttered", lambda data: self.received.append(data))
        self.client.on("session_confirm", confirmed.put)
        self.client.connect(rasa_url, transports=["polling"], socketio_path="/socket.io")
        # the server issues the session and its key (a known id without its key gets a new one)
        self.client.emit("session_request", {"session_id": session_id, "session_key": session_key})
        session = confirmed.get(timeout=10)
        self.sender, self.key = session["session_id"], session["session_key"]

    def say(self, text: str, wait: float = 10.0) -> List[Dict[str, Any]]:
        import time

        start = len(self.received)
        self.client.emit("user_uttered", {"message": text, "session_id": self.sender})
        deadline = time.monotonic() + wait
        while len(self.received) == start and time.monotonic() < deadline:
            time.sleep(0.1)
        time.sleep(0.5)  # the rest of the turn's messages
        return self.received[start:]

    def close(self) -> None:
        self.client.disconnect()
