"""Rasa's HTTP API (guarded by RASA_AUTH_TOKEN): read conversations, parse, append server events."""

from __future__ import annotations

from typing import Any, Dict, List, Optional
from urllib.parse import quote

import aiohttp

from bot import settings
from bot.conversations import server_events


class RasaApi:
    def __init__(self, url: Optional[str] = None, token: Optional[str] = None, timeout: float = 5.0) -> None:
        self.url = (url or settings.RASA_URL).rstrip("/")
        self.token = token if token is not None else settings.RASA_AUTH_TOKEN
        self.timeout = aiohttp.ClientTimeout(total=timeout)

    def _params(self, **extra: str) -> Dict[str, str]:
        return {**({"token": self.token} if self.token else {}), **extra}

    def _conversation(self, conversation_id: str) -> str:
        return f"{self.url}/conversations/{quote(conversation_id, safe='')}"

    async def tracker(self, conversation_id: str, include_events: str = "NONE") -> Dict[str, Any]:
        """The conversation's state: slots, latest_input_channel (and events when asked)."""
        async with aiohttp.ClientSession(timeout=self.timeout) as session:
            async with session.get(
                f"{self._conversation(conversation_id)}/tracker", params=self._params(include_events=include_events)
            ) as response:
                response.raise_for_status()
                return await response.json()

    async def events(self, conversation_id: str) -> List[Dict[str, Any]]:
        """The conversation's events (empty for an unknown conversation)."""
        return (await self.tracker(conversation_id, include_events="ALL")).get("events") or []

    async def append_events(self, conversation_id: str, events: List[Dict[str, Any]]) -> None:
        """Server-side events into the conversation; their bot messages go out on the user's channel."""
        async with aiohttp.ClientSession(timeout=self.timeout) as session:
            async with session.post(
                f"{self._conversation(conversation_id)}/tracker/events",
                params=self._params(output_channel="latest", execute_side_effects="true", include_events="NONE"),
                json=events,
            ) as response:
                response.raise_for_status()

    async def send_staff_reply(self, conversation_id: str, text: str, staff: str = "staff") -> None:
        """A staff member's reply, shown to the user as "【人工客服】…" on their own channel."""
        state = await self.tracker(conversation_id)
        await self.append_events(
            conversation_id,
            server_events.staff_reply(text, staff, state.get("slots") or {}, state.get("latest_input_channel")),
        )

    async def release_handoff(self, conversation_id: str, staff: str = "staff", outcome: str = "") -> None:
        """Staff hand the conversation back to the bot; the user is told (and asked for a rating
        after an answered conversation)."""
        state = await self.tracker(conversation_id)
        await self.append_events(
            conversation_id,
            server_events.handoff_released(staff, state.get("slots") or {}, state.get("latest_input_channel"), outcome),
        )

    async def trigger_intent(
        self, conversation_id: str, intent: str, entities: Optional[Dict[str, Any]] = None
    ) -> None:
        """Kept for callers of the former external intents: they are server events now."""
        values = entities or {}
        if intent == "EXTERNAL_staff_reply":
            await self.send_staff_reply(conversation_id, str(values.get("staff_text") or ""))
        elif intent == "EXTERNAL_handoff_released":
            await self.release_handoff(conversation_id, outcome=str(values.get("outcome") or ""))
        else:
            raise ValueError(f"{intent}: no such server event")

    async def parse(self, text: str) -> Dict[str, Any]:
        """The model's parse of a text (no conversation is touched)."""
        async with aiohttp.ClientSession(timeout=self.timeout) as session:
            async with session.post(f"{self.url}/model/parse", params=self._params(), json={"text": text}) as response:
                response.raise_for_status()
                return await response.json()
