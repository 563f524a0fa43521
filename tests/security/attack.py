"""Small clients for the attacks: raw HTTP with headers, a socket.io visitor, a console login."""

from __future__ import annotations

import asyncio
import http.cookiejar
import json
import re
import urllib.error
import urllib.request
from typing import Any, Dict, List, Optional, Tuple

import socketio


def request(
    method: str,
    url: str,
    body: Any = None,
    headers: Optional[Dict[str, str]] = None,
    raw: Optional[bytes] = None,
    opener: Any = None,
) -> Tuple[int, Dict[str, str], bytes]:
    """(status, headers, body) of one HTTP request; never raises for an HTTP error status."""
    data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
    req = urllib.request.Request(
        url, data=data, method=method, headers={"Content-Type": "application/json", **(headers or {})}
    )
    try:
        with (opener or urllib.request.build_opener()).open(req, timeout=30) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def rest(servers: Any, body: Any = None, raw: Optional[bytes] = None, address: Optional[str] = None):
    """POST to Rasa's REST channel, as the client at `address` (via the test proxy header)."""
    headers = {"X-Forwarded-For": address} if address else {}
    return request("POST", f"{servers.rasa}/webhooks/rest/webhook", body, headers, raw)


def tracker_events(servers: Any, conversation_id: str, token: str) -> List[Dict[str, Any]]:
    status, _h, body = request("GET", f"{servers.rasa}/conversations/{conversation_id}/tracker?token={token}")
    assert status == 200
    return json.loads(body).get("events") or []


class Visitor:
    """A widget visitor over socket.io (python-socketio's client, as a script would be)."""

    def __init__(self, url: str, origin: Optional[str] = None) -> None:
        self.url, self.origin = url, origin
        self.sio = socketio.AsyncClient(reconnection=False)
        self.received: List[Dict[str, Any]] = []
        self.confirmed: asyncio.Queue = asyncio.Queue()
        self.sio.on("bot_uttered", self._bot)
        self.sio.on("session_confirm", self._confirm)

    async def _bot(self, data: Any) -> None:
        self.received.append(data if isinstance(data, dict) else {"data": data})

    async def _confirm(self, data: Any) -> None:
        await self.confirmed.put(data)

    async def connect(self) -> None:
        headers = {"Origin": self.origin} if self.origin else {}
        await self.sio.connect(self.url, headers=headers, transports=["polling"], wait_timeout=10)

    async def session(self, session_id: Optional[str] = None, key: Optional[str] = None) -> Dict[str, str]:
        await self.sio.emit("session_request", {"session_id": session_id, "session_key": key})
        return await asyncio.wait_for(self.confirmed.get(), 10)

    async def say(
        self, session_id: str, text: str, metadata: Optional[Dict[str, Any]] = None, wait: float = 4.0
    ) -> List[Dict[str, Any]]:
        """Send a message; what arrived in the following `wait` seconds."""
        before = len(self.received)
        await self.sio.emit("user_uttered", {"message": text, "session_id": session_id, "metadata": metadata or {}})
        await asyncio.sleep(wait)
        return self.received[before:]

    async def close(self) -> None:
        await self.sio.disconnect()


def texts(messages: List[Dict[str, Any]]) -> str:
    return "\n".join(str(m.get("text") or "") for m in messages)


class Console:
    """A staff member's browser: cookies, the login form's CSRF token, the console's CSRF token."""

    def __init__(self, web: str, address: str = "198.51.100.1") -> None:
        self.web, self.address = web, address
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar), _NoRedirect())

    def _form(self, url: str, fields: Dict[str, str]) -> Tuple[int, Dict[str, str], bytes]:
        data = "&".join(f"{k}={urllib.request.quote(v)}" for k, v in fields.items()).encode()
        return request(
            "POST",
            url,
            raw=data,
            opener=self.opener,
            headers={"Content-Type": "application/x-www-form-urlencoded", "X-Forwarded-For": self.address},
        )

    def get(self, path: str) -> Tuple[int, Dict[str, str], bytes]:
        return request("GET", f"{self.web}{path}", opener=self.opener, headers={"X-Forwarded-For": self.address})

    def login(self, name: str, password: str) -> Tuple[int, Dict[str, str], bytes]:
        page = self.get("/console/login")[2].decode()
        token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
        return self._form(f"{self.web}/console/login", {"csrf_token": token, "username": name, "password": password})

    def csrf(self) -> str:
        page = self.get("/console")[2].decode()
        return re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)

    def logout(self, csrf_token: str) -> Tuple[int, Dict[str, str], bytes]:
        return self._form(f"{self.web}/console/logout", {"csrf_token": csrf_token})


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None
