"""The web app on :8080: the widget and its demo page, the staff console and its API,
the status and service-point APIs.

    python -m bot.web.app            # WEB_HOST / WEB_PORT, default 127.0.0.1:8080
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Optional, Sequence

from aiohttp import web

from bot import settings
from bot.conversations.rasa_api import RasaApi
from bot.conversations.tracker_db import TrackerDb
from bot.insights.figures_store import FiguresReader
from bot.logs import configure_logging
from bot.service_points.store import ServicePoint, completeness
from bot.staff.login_throttle import LoginThrottle
from bot.status.notifier import RestorationNotifier
from bot.status.probes import ProbeMonitor
from bot.stores import Stores, build_stores, prepare
from bot.web import action_standby, console, conversations_api, service_points_api, staff_api, status_api, widget_api
from bot.web.auth import SAFE_METHODS
from bot.web.responses import json_response

logger = logging.getLogger(__name__)

MAX_BODY_BYTES = 64 * 1024


async def health(_request: web.Request) -> web.Response:
    return json_response({"ok": True})


@web.middleware
async def audit_staff_changes(request: web.Request, handler) -> web.StreamResponse:
    """Every staff change that succeeded goes into the audit log (who, what, on what, when)."""
    response = await handler(request)
    if request.method not in SAFE_METHODS and request.get("staff_name") and response.status < 400:
        request.app["audit"].record(
            request["staff_name"],
            f"{request.method} {request.match_info.route.resource.canonical}"
            if request.match_info.route.resource
            else f"{request.method} {request.path}",
            request.get("audit_target") or request.path,
            request.get("audit_detail") or "",
        )
    return response


def log_service_point_gaps(points: Sequence[ServicePoint]) -> None:
    """Say at start how many points lack an address: visitors are then sent to the hotline."""
    counts = completeness(points)
    if counts["with_address"] < counts["total"] or counts["verified"] < counts["total"]:
        logger.warning(
            "service points: %(with_address)d of %(total)d have an address, %(with_location)d "
            "coordinates, %(verified)d verified; fill them in at /console (服务点) or %(file)s",
            {**counts, "file": settings.SERVICE_POINTS_FILE},
        )


def use_uvloop() -> None:
    """uvloop's event loop (Sanic's, so Rasa's and the action server's too) when installed: the
    same asyncio, in less CPU per request."""
    try:
        import uvloop
    except ImportError:  # pragma: no cover - a platform without it
        return
    asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())


def create_app(
    stores: Optional[Stores] = None,
    staff_token: Optional[str] = None,
    rasa_url: Optional[str] = None,
    rasa_token: Optional[str] = None,
) -> web.Application:
    app = web.Application(client_max_size=MAX_BODY_BYTES, middlewares=[console.security_headers, audit_staff_changes])
    app["staff_token"] = settings.STAFF_TOKEN if staff_token is None else staff_token
    app["actions_token"] = settings.WEB_ACTIONS_TOKEN
    stores = stores or build_stores()
    prepare(stores)  # the one process that creates the web database's tables and seeds them
    app["status_store"] = stores.status
    app["public_status"] = status_api.PublicStatusCache()
    app["service_points"] = stores.service_points
    log_service_point_gaps(stores.service_points.all())
    app["handoffs"] = stores.handoffs
    app["accounts"] = stores.accounts
    app["labels"] = stores.labels
    app["audit"] = stores.audit
    app["login_throttle"] = LoginThrottle()
    app["tracker_db"] = TrackerDb()
    app["figures"] = FiguresReader(app["tracker_db"].engine)
    app["rasa"] = RasaApi(rasa_url, rasa_token)
    notifier = RestorationNotifier(app["status_store"], app["rasa"].url, app["rasa"].token)
    app["notifier"] = notifier
    tasks: set = set()

    def notify() -> None:
        """Send restoration notices in the background (the PUT does not wait for them)."""
        task = asyncio.get_running_loop().create_task(notifier.notify_pending())
        tasks.add(task)
        task.add_done_callback(tasks.discard)

    app["notify"] = notify

    async def retry_notices(app: web.Application):
        async def loop() -> None:
            while True:
                await asyncio.sleep(settings.NOTIFY_RETRY_SECONDS)
                try:
                    await notifier.notify_pending()
                except Exception:  # keep retrying; a failed round is logged
                    logger.exception("restoration notice round failed")

        task = asyncio.get_running_loop().create_task(loop())
        yield
        task.cancel()

    app.cleanup_ctx.append(retry_notices)

    probes = ProbeMonitor.from_settings(lambda: app["status_store"].current().state)
    app["probes"] = probes

    async def run_probes(app: web.Application):
        """The automatic platform check (PROBE_URLS), beside the staff-set status."""
        task = asyncio.get_running_loop().create_task(probes.run()) if probes.configured else None
        yield
        if task:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    app.cleanup_ctx.append(run_probes)
    app.router.add_get("/health", health)
    app.add_routes(status_api.routes)
    app.add_routes(service_points_api.routes)
    app.add_routes(widget_api.routes)
    app.add_routes(console.routes)
    app.add_routes(staff_api.routes)
    app.add_routes(conversations_api.routes)
    app.add_routes(action_standby.routes)
    return app


def main() -> None:
    configure_logging()
    use_uvloop()
    web.run_app(create_app(), host=settings.WEB_HOST, port=settings.WEB_PORT, access_log=None, print=None)


if __name__ == "__main__":
    main()
