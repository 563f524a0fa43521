"""Staff authentication: `Authorization: Bearer ${STAFF_TOKEN}` for automation, or a console
session cookie (HttpOnly, SameSite=Strict, Secure behind TLS) with its CSRF token on every
state-changing request."""

from __future__ import annotations

import hmac
from typing import Optional, Tuple

from aiohttp import web

SESSION_COOKIE = "gz_staff_session"
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


def bearer_token(request: web.Request) -> Optional[str]:
    header = request.headers.get("Authorization", "")
    scheme, _sep, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def same(a: Optional[str], b: Optional[str]) -> bool:
    if not a or not b:
        return False
    return hmac.compare_digest(a.encode(), b.encode())


def staff_identity(request: web.Request) -> Optional[Tuple[str, str]]:
    """Who is calling and their role: ("api", "supervisor") for the staff token (automation),
    the account's name and role for a console session."""
    if same(bearer_token(request), request.app["staff_token"]):
        return "api", "supervisor"
    session = request.app["accounts"].session(request.cookies.get(SESSION_COOKIE))
    if session is None:
        return None
    if request.method not in SAFE_METHODS and not same(request.headers.get("X-CSRF-Token"), session.csrf_token):
        return None
    return session.name, session.role


def staff_name(request: web.Request) -> Optional[str]:
    identity = staff_identity(request)
    return identity[0] if identity else None


def require_staff(request: web.Request) -> str:
    identity = staff_identity(request)
    if not identity:
        raise web.HTTPUnauthorized(
            text='{"error": "staff login or token required"}',
            content_type="application/json",
            headers={"WWW-Authenticate": "Bearer"},
        )
    request["staff_name"], request["staff_role"] = identity
    return identity[0]


def is_supervisor(request: web.Request) -> bool:
    return request.get("staff_role") == "supervisor"


def require_supervisor(request: web.Request) -> str:
    name = require_staff(request)
    if not is_supervisor(request):
        raise web.HTTPForbidden(text='{"error": "supervisors only"}', content_type="application/json")
    return name


def is_secure(request: web.Request) -> bool:
    return request.secure or request.headers.get("X-Forwarded-Proto", "") == "https"
