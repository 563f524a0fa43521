"""The staff console's pages: login, the console itself, logout."""

from __future__ import annotations

import html
import secrets
from pathlib import Path
from typing import Any

from aiohttp import web

from bot.ratelimit import client_address, trusted_proxies
from bot.web.auth import SESSION_COOKIE, is_secure, same

routes = web.RouteTableDef()
STATIC = Path(__file__).resolve().parent / "static"
LOGIN_COOKIE = "gz_login_csrf"


# the console and its login page: no framing (clickjacking), scripts and styles from here only
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
        "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    ),
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}


@web.middleware
async def security_headers(request: web.Request, handler: Any) -> web.StreamResponse:
    """SECURITY_HEADERS on every console page and API answer (errors and redirects too)."""
    try:
        response = await handler(request)
    except web.HTTPException as exception:
        if request.path.startswith(("/console", "/api/")):
            exception.headers.update(SECURITY_HEADERS)
        raise
    if request.path.startswith(("/console", "/api/")):
        response.headers.update(SECURITY_HEADERS)
    return response


def request_address(request: web.Request) -> str:
    return client_address(request.remote, request.headers.get("X-Forwarded-For"), trusted_proxies())


def _page(name: str, **values: str) -> str:
    page = (STATIC / name).read_text(encoding="utf-8")
    for key, value in values.items():
        page = page.replace("{{" + key + "}}", html.escape(value))
    return page


def _cookie_options(request: web.Request) -> dict:
    return {"httponly": True, "samesite": "Strict", "secure": is_secure(request), "path": "/"}


def _login_page(request: web.Request, error: str = "", status: int = 200) -> web.Response:
    token = secrets.token_urlsafe(24)
    response = web.Response(
        text=_page("login.html", CSRF_TOKEN=token, ERROR=error),
        status=status,
        content_type="text/html",
        charset="utf-8",
    )
    response.set_cookie(LOGIN_COOKIE, token, max_age=3600, **_cookie_options(request))
    return response


@routes.get("/console")
async def console(request: web.Request) -> web.Response:
    session = request.app["accounts"].session(request.cookies.get(SESSION_COOKIE))
    if session is None:
        raise web.HTTPFound("/console/login")
    return web.Response(
        text=_page("console.html", CSRF_TOKEN=session.csrf_token, STAFF_NAME=session.name, STAFF_ROLE=session.role),
        content_type="text/html",
        charset="utf-8",
        headers={"Cache-Control": "no-store"},
    )


@routes.get("/console/login")
async def login_form(request: web.Request) -> web.Response:
    return _login_page(request)


@routes.post("/console/login")
async def login(request: web.Request) -> web.Response:
    form = await request.post()
    if not same(str(form.get("csrf_token", "")), request.cookies.get(LOGIN_COOKIE)):
        return _login_page(request, "页面已过期，请重新登录。", status=403)
    name, password = str(form.get("username", "")), str(form.get("password", ""))
    throttle, address = request.app["login_throttle"], request_address(request)
    wait = throttle.retry_after(name, address)
    if wait:
        response = _login_page(request, f"登录失败次数过多，请{(wait + 59) // 60}分钟后再试。", status=429)
        response.headers["Retry-After"] = str(wait)
        return response
    accounts = request.app["accounts"]
    if not accounts.check_login(name, password):
        throttle.failed(name, address)
        return _login_page(request, "用户名或密码不正确。", status=401)
    throttle.succeeded(name)
    session = accounts.start_session(name)
    request.app["audit"].record(name, "login")
    response = web.HTTPSeeOther("/console")
    response.set_cookie(SESSION_COOKIE, session.id, max_age=12 * 3600, **_cookie_options(request))
    response.del_cookie(LOGIN_COOKIE, path="/")
    raise response


@routes.post("/console/logout")
async def logout(request: web.Request) -> web.Response:
    """Only the console's own form logs out (its CSRF token): a cross-site POST changes nothing."""
    accounts = request.app["accounts"]
    session = accounts.session(request.cookies.get(SESSION_COOKIE))
    form = await request.post()
    if session is None:
        raise web.HTTPSeeOther("/console/login")
    if not same(str(form.get("csrf_token", "")), session.csrf_token):
        raise web.HTTPForbidden(text="请从控制台页面退出登录。", content_type="text/plain")
    accounts.end_session(session.id)
    request.app["audit"].record(session.name, "logout")
    response = web.HTTPSeeOther("/console/login")
    response.del_cookie(SESSION_COOKIE, path="/")
    raise response


@routes.get("/console/static/console.css")
async def stylesheet(request: web.Request) -> web.FileResponse:
    return web.FileResponse(STATIC / "console.css", headers={"Cache-Control": "no-cache"})


@routes.get("/console/static/console.js")
async def script(request: web.Request) -> web.FileResponse:
    """The console's ES modules (widget/src/console/), bundled by esbuild with the widget."""
    return web.FileResponse(STATIC / "dist" / "console.js", headers={"Cache-Control": "no-cache"})


@routes.get("/console/static/console_probe.js")
async def probe_script(request: web.Request) -> web.FileResponse:
    """The 系统状态 tab's automatic-check line and disagreement flag (issue #12), kept apart."""
    return web.FileResponse(STATIC / "console_probe.js", headers={"Cache-Control": "no-cache"})
