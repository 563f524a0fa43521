"""socket.io across Rasa replicas: python-socketio's Redis manager.

Why: Rasa's socket.io channel keeps its sockets in the process that accepted them, so a staff
reply, a restoration notice or a hand-off release triggered through another replica would
not reach the widget until it reconnects. With a Redis manager every emit (to the session's
room) is published on Redis and delivered by whichever replica holds the socket. Off (the
in-process manager) when SOCKETIO_REDIS_URL is empty, as with `make run`.
"""
from __future__ import annotations

import logging

from socketio import AsyncRedisManager, AsyncServer

logger = logging.getLogger(__name__)

CHANNEL = "rasa-socketio"


def share_through_redis(sio: AsyncServer, redis_url: str) -> None:
    """Give `sio` (before it accepts a connection) a Redis manager on `redis_url`."""
    if not redis_url:
        return
    manager = AsyncRedisManager(redis_url, channel=CHANNEL)
    manager.set_server(sio)
    sio.manager = manager
    sio.manager_initialized = False
    logger.info("socket.io messages shared through Redis (%s)", CHANNEL)
