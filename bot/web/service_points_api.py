"""The service-point API: public read, staff write (no retraining: the actions read it live)."""

from __future__ import annotations

from aiohttp import web

from bot.service_points.store import ServicePointError, completeness, parse_point
from bot.web.auth import require_staff
from bot.web.responses import json_response
from bot.web.status_api import error, read_json

routes = web.RouteTableDef()


@routes.get("/api/service-points")
async def list_points(request: web.Request) -> web.Response:
    points = request.app["service_points"].all()
    return json_response(
        {
            "service_points": [p.to_dict() for p in points],
            "completeness": completeness(points),
        },
        headers={"Access-Control-Allow-Origin": "*"},
    )  # public; the widget checks for coordinates


@routes.get("/api/service-points/changes")
async def list_changes(request: web.Request) -> web.Response:
    require_staff(request)
    return json_response({"changes": request.app["service_points"].changes()})


@routes.get("/api/service-points/{point_id}")
async def get_point(request: web.Request) -> web.Response:
    point = request.app["service_points"].get(request.match_info["point_id"])
    if point is None:
        return error(404, "no such service point", "id")
    return json_response(point.to_dict())


@routes.put("/api/service-points/{point_id}")
async def put_point(request: web.Request) -> web.Response:
    require_staff(request)
    point_id = request.match_info["point_id"]
    body = await read_json(request)
    if not isinstance(body, dict):
        return error(422, "body must be a JSON object", "body")
    if body.get("id", point_id) != point_id:
        return error(422, "id in the body differs from the URL", "id")
    try:
        point = parse_point({**body, "id": point_id}, 0)
    except ServicePointError as problem:
        return error(422, str(problem), problem.field)
    created = request.app["service_points"].put(point, request.get("staff_name") or "staff")
    return json_response(point.to_dict(), status=201 if created else 200)
