"""Pulling 微信客服 messages: a callback only says "there is something"; kf/sync_msg fetches it.

One pull at a time per account (an in-process lock, and a lease row for other processes): a
callback that arrives during a pull makes the pull go round once more with the newest token.
Pages are followed while `has_more`; the cursor is saved after each page is handled, and each
msgid is recorded when its answer went out, so a restart resumes at the saved cursor and a page
fetched again answers nothing twice.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any, Awaitable, Callable, Dict, List

import sqlalchemy as sa

from bot.wecom.kf_api import KfApi
from bot.wecom.state import KfState, cursors

logger = logging.getLogger(__name__)

MAX_PAGES = 100  # one pull; the next callback continues
LEASE_SECONDS = 60  # a crashed puller blocks others at most this long


class KfSync:
    def __init__(
        self, api: KfApi, state: KfState, handle_page: Callable[[List[Dict[str, Any]]], Awaitable[None]]
    ) -> None:
        self.api = api
        self.state = state
        self.handle_page = handle_page
        self._lock = asyncio.Lock()
        self._token = ""
        self._again = False

    async def pull(self, token: str) -> int:
        """Fetch and handle everything new; returns the number of items seen."""
        self._token = token or self._token
        if self._lock.locked():
            self._again = True  # the running pull goes round once more
            return 0
        seen = 0
        async with self._lock:
            while True:
                self._again = False
                seen += await self._pull_once(self._token)
                if not self._again:
                    return seen

    async def _pull_once(self, token: str) -> int:
        if not self._take_lease():
            logger.info("another process is pulling 微信客服 messages")
            return 0
        seen = 0
        try:
            cursor = self.state.cursor(self.api.open_kfid)
            for _page in range(MAX_PAGES):
                page = await self.api.sync_msg(cursor, token)
                listed = page.get("msg_list")
                items: List[Dict[str, Any]] = listed if isinstance(listed, list) else []
                await self.handle_page(items)
                seen += len(items)
                next_cursor = str(page.get("next_cursor") or "")
                if next_cursor:
                    cursor = next_cursor
                    self.state.save_cursor(self.api.open_kfid, cursor)
                if not page.get("has_more") or not next_cursor:
                    break
        finally:
            self._release_lease()
        return seen

    def _take_lease(self) -> bool:
        now = time.time()
        open_kfid = self.api.open_kfid
        with self.state.engine.begin() as connection:
            row = connection.execute(sa.select(cursors).where(cursors.c.open_kfid == open_kfid)).first()
            if row is None:
                connection.execute(
                    cursors.insert().values(open_kfid=open_kfid, cursor="", lease_until=now + LEASE_SECONDS)
                )
                return True
            return (
                connection.execute(
                    cursors.update()
                    .where((cursors.c.open_kfid == open_kfid) & (cursors.c.lease_until < now))
                    .values(lease_until=now + LEASE_SECONDS)
                ).rowcount
                == 1
            )

    def _release_lease(self) -> None:
        with self.state.engine.begin() as connection:
            connection.execute(
                cursors.update().where(cursors.c.open_kfid == self.api.open_kfid).values(lease_until=0.0)
            )
