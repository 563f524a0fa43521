"""Restoration notices: when the status turns `normal`, each subscriber hears it once.

Delivery is Rasa's own external-event mechanism: the intent EXTERNAL_service_restored is
triggered in the subscriber's conversation with `output_channel=latest`, so the notice goes
out on the channel the user last wrote from (the widget's socket, WeChat's customer-service
API) and stays in the conversation's record. A subscription is claimed before delivery and
given back if delivery fails, so a notice is neither lost nor sent twice.
"""

from __future__ import annotations

import logging
from typing import Optional
from urllib.parse import quote

import aiohttp

from bot.status.store import StatusStore

logger = logging.getLogger(__name__)

RESTORED_INTENT = "EXTERNAL_service_restored"


class RestorationNotifier:
    def __init__(self, store: StatusStore, rasa_url: str, rasa_token: Optional[str]) -> None:
        self.store = store
        self.rasa_url = rasa_url.rstrip("/")
        self.rasa_token = rasa_token

    async def _deliver(self, session: aiohttp.ClientSession, conversation_id: str) -> bool:
        url = f"{self.rasa_url}/conversations/{quote(conversation_id, safe='')}/trigger_intent"
        params = {"output_channel": "latest"}
        if self.rasa_token:
            params["token"] = self.rasa_token
        try:
            async with session.post(url, params=params, json={"name": RESTORED_INTENT}) as response:
                if response.status == 200:
                    return True
                logger.warning("restoration notice to %s: HTTP %s", conversation_id, response.status)
        except (aiohttp.ClientError, TimeoutError) as error:
            logger.warning("restoration notice to %s failed: %r", conversation_id, error)
        return False

    async def notify_pending(self) -> int:
        """Send the notice to every pending subscriber if the service is back; returns how many."""
        if self.store.current().state != "normal":
            return 0
        sent = 0
        timeout = aiohttp.ClientTimeout(total=10)
        async with aiohttp.ClientSession(timeout=timeout) as session:
            for subscription in self.store.pending():
                if not self.store.mark_notified(subscription.conversation_id):
                    continue  # another process took it
                if await self._deliver(session, subscription.conversation_id):
                    sent += 1
                else:
                    self.store.release(subscription.conversation_id)
        if sent:
            logger.info("restoration notices sent: %d", sent)
        return sent
