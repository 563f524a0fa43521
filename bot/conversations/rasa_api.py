"""Read conversations through Rasa's HTTP API (guarded by RASA_AUTH_TOKEN)."""
from __future__ import annotations

from typing import Any, Dict, List, Optional
from urllib.parse import quote

import aiohttp

from bot import settings


class RasaApi:
    def __init__(self, url: Optional[str] = None, token: Optional[str] = None, timeout: float = 5.0) -> None:
        self.url = (url or settings.RASA_URL).rstrip("/")
        self.token = token if token is not None else settings.RASA_AUTH_TOKEN
        self.timeout = aiohttp.ClientTimeout(total=timeout)

    def _params(self, **extra: str) -> Dict[str, str]:
        return {**({"token": self.token} if self.token else {}), **extra}

    async def events(self, conversation_id: str) -> List[Dict[str, Any]]:
        """The conversation's events (empty for an unknown conversation)."""
        url = f"{self.url}/conversations/{quote(conversation_id, safe='')}/tracker"
        async with aiohttp.ClientSession(timeout=self.timeout) as session:
            async with session.get(url, params=self._params(include_events="ALL")) as response:
                response.raise_for_status()
                return (await response.json()).get("events") or []

    async def trigger_intent(self, conversation_id: str, intent: str, entities: Optional[Dict[str, Any]] = None) -> None:
        """An external event in the conversation; its answer goes out on the user's channel."""
        url = f"{self.url}/conversations/{quote(conversation_id, safe='')}/trigger_intent"
        async with aiohttp.ClientSession(timeout=self.timeout) as session:
            async with session.post(
                url, params=self._params(output_channel="latest"), json={"name": intent, "entities": entities or {}}
            ) as response:
                response.raise_for_status()

    async def parse(self, text: str) -> Dict[str, Any]:
        """The model's parse of a text (no conversation is touched)."""
        async with aiohttp.ClientSession(timeout=self.timeout) as session:
            async with session.post(f"{self.url}/model/parse", params=self._params(), json={"text": text}) as response:
                response.raise_for_status()
                return await response.json()
