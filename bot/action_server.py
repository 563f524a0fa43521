"""The action server: rasa_sdk's own app, on loopback, answering only callers with the secret.

    python -m bot.action_server --port 5055     # ACTIONS_HOST (127.0.0.1), ACTION_SERVER_TOKEN

Rasa sends `Authorization: Bearer ${ACTION_SERVER_TOKEN}` (endpoints.yml, action_endpoint
headers); any other call to /webhook or /actions gets 401 and runs nothing. /health stays open
for probes. Without ACTION_SERVER_TOKEN the server does not start.
"""

from __future__ import annotations

import argparse
import hmac
import logging
import sys
from typing import Optional

from rasa_sdk.endpoint import create_app
from sanic import Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot import settings

logger = logging.getLogger(__name__)

OPEN_PATHS = ("/health",)


def authorized(header: Optional[str], token: str) -> bool:
    scheme, _sep, given = (header or "").partition(" ")
    return bool(token) and scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(), token.encode())


def create_server(token: str, actions: str = "actions") -> Sanic:
    if not token:
        raise ValueError("ACTION_SERVER_TOKEN is empty: the action server would be open to anyone")
    app = create_app(actions, cors_origins=None)

    @app.on_request
    async def require_token(request: Request) -> Optional[HTTPResponse]:
        if request.path in OPEN_PATHS or authorized(request.headers.get("Authorization"), token):
            return None
        return response.json(
            {"error": "action server token required"}, status=401, headers={"WWW-Authenticate": "Bearer"}
        )

    return app


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=settings.ACTIONS_PORT)
    parser.add_argument("--host", default=settings.ACTIONS_HOST)
    parser.add_argument("--actions", default="actions")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        app = create_server(settings.ACTION_SERVER_TOKEN, args.actions)
    except ValueError as problem:
        sys.exit(f"action server: {problem}")
    logger.info("action server on http://%s:%d", args.host, args.port)
    app.run(args.host, args.port, workers=1, access_log=False)


if __name__ == "__main__":
    main()
