"""socket.io across Rasa replicas: python-socketio's Redis manager, local sockets first.

Why: Rasa's socket.io channel keeps its sockets in the process that accepted them, so a staff
reply, a restoration notice or a hand-off release triggered through another replica would
not reach the widget until it reconnects. With a Redis manager every emit to a session's
room is published on Redis and delivered by whichever replica holds the socket.

One change to python-socketio's AsyncRedisManager: a replica that holds sockets of the room
delivers to them at once and tells the others through Redis (which skip it on the way
back). The answer to a message (the usual case: same replica) then never waits for Redis
and still arrives while Redis restarts; only cross-replica messages need Redis up.
Off (the in-process manager) when SOCKETIO_REDIS_URL is empty, as with `make run`.
"""

from __future__ import annotations

import logging
from typing import Any, Optional

from socketio import AsyncRedisManager, AsyncServer
from socketio.asyncio_manager import AsyncManager

logger = logging.getLogger(__name__)

CHANNEL = "rasa-socketio"


class LocalFirstRedisManager(AsyncRedisManager):
    async def emit(
        self,
        event: str,
        data: Any,
        namespace: Optional[str] = None,
        room: Optional[str] = None,
        skip_sid: Any = None,
        callback: Any = None,
        **kwargs: Any,
    ) -> None:
        namespace = namespace or "/"
        if kwargs.get("ignore_queue") or callback is not None or room is None:
            return await super().emit(
                event, data, namespace=namespace, room=room, skip_sid=skip_sid, callback=callback, **kwargs
            )
        local = bool(self.rooms.get(namespace, {}).get(room))
        if local:
            await AsyncManager.emit(self, event, data, namespace, room=room, skip_sid=skip_sid)
        await self._publish(
            {
                "method": "emit",
                "event": event,
                "data": data,
                "namespace": namespace,
                "room": room,
                "skip_sid": skip_sid,
                "callback": None,
                "host_id": self.host_id,
                "delivered_by": self.host_id if local else None,
            }
        )

    async def _handle_emit(self, message: dict) -> None:
        if message.get("delivered_by") == self.host_id:
            return  # delivered here already
        await super()._handle_emit(message)


def share_through_redis(sio: AsyncServer, redis_url: str) -> None:
    """Give `sio` (before it accepts a connection) a Redis manager on `redis_url`."""
    if not redis_url:
        return
    manager = LocalFirstRedisManager(redis_url, channel=CHANNEL)
    manager.set_server(sio)
    sio.manager = manager
    sio.manager_initialized = False
    logger.info("socket.io messages shared through Redis (%s)", CHANNEL)
