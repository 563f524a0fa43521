"""Staff authentication: `Authorization: Bearer ${STAFF_TOKEN}` for automation, or a console
session cookie (HttpOnly, SameSite=Strict, Secure behind TLS) with its CSRF token on every
state-changing request."""
from __future__ import annotations

import hmac
from typing import Optional

from aiohttp import web

SESSION_COOKIE = "gz_staff_session"
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


def bearer_token(request: web.Request) -> Optional[str]:
    header = request.headers.get("Authorization", "")
    scheme, _sep, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def same(a: Optional[str], b: Optional[str]) -> bool:
    return bool(a and b) and hmac.compare_digest(a.encode(), b.encode())


def staff_name(request: web.Request) -> Optional[str]:
    """Who is calling: "api" for the staff token, the account name for a console session."""
    if same(bearer_token(request), request.app["staff_token"]):
        return "api"
    session = request.app["accounts"].session(request.cookies.get(SESSION_COOKIE))
    if session is None:
        return None
    if request.method not in SAFE_METHODS and not same(request.headers.get("X-CSRF-Token"), session.csrf_token):
        return None
    return session.name


def require_staff(request: web.Request) -> str:
    name = staff_name(request)
    if not name:
        raise web.HTTPUnauthorized(
            text='{"error": "staff login or token required"}',
            content_type="application/json",
            headers={"WWW-Authenticate": "Bearer"},
        )
    request["staff_name"] = name
    return name


def is_secure(request: web.Request) -> bool:
    return request.secure or request.headers.get("X-Forwarded-Proto", "") == "https"
