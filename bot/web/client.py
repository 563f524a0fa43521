"""The web app's API as the action server calls it: its one door to the web data.

The action server never opens the web database (bot/stores.py): it reads the status and the
service points from the web app's feeds (bot/status/client.py, bot/service_points/source.py)
and writes a conversation's restoration subscription and hand-off here, with
WEB_ACTIONS_TOKEN. A failure raises `WebAppError`; the actions then say the information
cannot be looked up, never that something happened that did not.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any, Dict, Optional
from urllib.parse import quote

import aiohttp

from bot import settings

logger = logging.getLogger(__name__)


class WebAppError(Exception):
    """The web app did not take the change (down, refused, or answered an error)."""


class WebAppClient:
    def __init__(self, url: Optional[str] = None, token: Optional[str] = None, timeout: Optional[float] = None):
        self.url = (url or settings.WEB_URL).rstrip("/")
        self.token = settings.WEB_ACTIONS_TOKEN if token is None else token
        self.timeout = aiohttp.ClientTimeout(total=settings.STATUS_TIMEOUT if timeout is None else timeout)

    async def _call(self, method: str, path: str, body: Optional[Dict[str, Any]] = None) -> Dict[str, Any]:
        headers = {"Authorization": f"Bearer {self.token}", "Accept": "application/json"}
        try:
            async with aiohttp.ClientSession(timeout=self.timeout) as session:
                async with session.request(method, self.url + path, json=body, headers=headers) as response:
                    if response.status >= 400:
                        raise WebAppError(f"{method} {path}: HTTP {response.status} {await response.text()}")
                    return await response.json(content_type=None)
        except (aiohttp.ClientError, asyncio.TimeoutError, ValueError) as problem:
            raise WebAppError(f"{method} {path}: {problem!r}") from problem

    @staticmethod
    def _conversation(conversation_id: str) -> str:
        return f"/api/conversations/{quote(conversation_id, safe='')}"

    async def subscribe(self, conversation_id: str, channel: str) -> None:
        """Notify the conversation once when the service is restored."""
        await self._call("PUT", self._conversation(conversation_id) + "/subscription", {"channel": channel or ""})

    async def unsubscribe(self, conversation_id: str) -> bool:
        """Cancel a pending notice; False when there was none."""
        answer = await self._call("DELETE", self._conversation(conversation_id) + "/subscription")
        return bool(answer.get("removed"))

    async def open_handoff(
        self,
        conversation_id: str,
        reason: str,
        channel: str,
        question: str = "",
        first_line: str = "",
        language: str = "zh",
    ) -> Dict[str, Any]:
        """Ask for a person (`question`: what the visitor asked, for the staff notification):
        {"decision": "open" | "closed" | "full", "id", "message_left", "staffed_hours"}
        (closed: outside staffed hours; full: the queue is at capacity)."""
        return await self._call(
            "POST",
            self._conversation(conversation_id) + "/handoff",
            {
                "reason": reason,
                "channel": channel or "",
                "question": question[:1000],
                "first_line": first_line[:300],
                "language": language,
            },
        )

    async def leave_handoff(self, conversation_id: str) -> bool:
        """The visitor leaves the queue; False when no hand-off was open."""
        answer = await self._call("DELETE", self._conversation(conversation_id) + "/handoff")
        return bool(answer.get("left"))


def web_app() -> WebAppClient:
    return WebAppClient()
