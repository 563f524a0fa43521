"""Staff authentication for the web app's API: `Authorization: Bearer ${STAFF_TOKEN}`."""
from __future__ import annotations

import hmac
from typing import Optional

from aiohttp import web


def bearer_token(request: web.Request) -> Optional[str]:
    header = request.headers.get("Authorization", "")
    scheme, _sep, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def is_staff(request: web.Request) -> bool:
    """True for a request carrying the configured staff token (none configured: nobody)."""
    expected = request.app["staff_token"]
    given = bearer_token(request)
    return bool(expected and given and hmac.compare_digest(given.encode(), expected.encode()))


def require_staff(request: web.Request) -> None:
    if not is_staff(request):
        raise web.HTTPUnauthorized(
            text='{"error": "staff token required"}',
            content_type="application/json",
            headers={"WWW-Authenticate": "Bearer"},
        )
