"""JSON responses with Chinese kept readable (no \\u escapes)."""

import functools
import json
from typing import Any

from aiohttp import web

_dumps = functools.partial(json.dumps, ensure_ascii=False)


def json_response(data: Any, status: int = 200, **kwargs: Any) -> web.Response:
    return web.json_response(data, status=status, dumps=_dumps, **kwargs)
