"""Restoration notices: when the status turns `normal`, each subscriber hears it once.

Delivery is a server-side event (bot/conversations/server_events.py): the notice and the live
status are appended to the subscriber's conversation through Rasa's HTTP API with
`output_channel=latest`, so the notice goes out on the channel the user last wrote from (the
widget's socket, WeChat's customer-service API) and stays in the conversation's record; no
intent is involved, so no visitor can fake one. A subscription is claimed before delivery and
given back if delivery fails, so a notice is neither lost nor sent twice.
"""

from __future__ import annotations

import logging
from typing import Optional

import aiohttp

from bot.conversations import server_events
from bot.conversations.rasa_api import RasaApi
from bot.status.client import StatusReading
from bot.status.phrasing import describe
from bot.status.store import StatusStore

logger = logging.getLogger(__name__)


class RestorationNotifier:
    def __init__(self, store: StatusStore, rasa_url: str, rasa_token: Optional[str]) -> None:
        self.store = store
        self.rasa = RasaApi(rasa_url, rasa_token or "", timeout=10.0)

    async def _deliver(self, conversation_id: str) -> bool:
        status = self.store.current()
        try:
            state = await self.rasa.tracker(conversation_id)
            slots = state.get("slots") or {}
            lang = "en" if slots.get("language") == "en" else "zh"  # the subscriber's, as the notice's variant
            await self.rasa.append_events(
                conversation_id,
                server_events.restoration_notice(
                    describe(StatusReading(value=status, fresh=True), lang=lang),
                    status.state,
                    slots,
                    state.get("latest_input_channel"),
                ),
            )
            return True
        except (aiohttp.ClientError, TimeoutError) as error:
            logger.warning("restoration notice to %s failed: %r", conversation_id, error)
        return False

    async def notify_pending(self) -> int:
        """Send the notice to every pending subscriber if the service is back; returns how many."""
        if self.store.current().state != "normal":
            return 0
        sent = 0
        for subscription in self.store.pending():
            if not self.store.mark_notified(subscription.conversation_id):
                continue  # another process took it
            if await self._deliver(subscription.conversation_id):
                sent += 1
            else:
                self.store.release(subscription.conversation_id)
        if sent:
            logger.info("restoration notices sent: %d", sent)
        return sent
