"""The public status is read from the database at most once a second, and a staff change
shows at once (the very next answer reads it)."""

from aiohttp.test_utils import TestClient, TestServer

from bot import settings
from bot.stores import build_stores
from bot.web.app import create_app


async def test_reads_are_served_from_memory_and_a_put_shows_at_once(tmp_path, monkeypatch):
    monkeypatch.setattr(settings, "PROBE_URLS", ())
    monkeypatch.setattr(settings, "TRACKER_DB", tmp_path / "tracker.db")
    stores = build_stores(f"sqlite:///{tmp_path / 'web.db'}")
    queries = []
    current = stores.status.current
    monkeypatch.setattr(stores.status, "current", lambda: queries.append(1) or current())
    client = TestClient(TestServer(create_app(stores, staff_token="t")))
    await client.start_server()
    try:
        first = await client.get("/api/status")
        etag, body = first.headers["ETag"], await first.json()
        for _ in range(20):
            assert (await client.get("/api/status", headers={"If-None-Match": etag})).status == 304
        assert len(queries) == 1  # twenty-one reads, one query

        change = {"state": "normal", "message": "已恢复"}
        put = await client.put("/api/status", json=change, headers={"Authorization": "Bearer t"})
        assert put.status == 200 and body["state"] != "normal"
        after = await client.get("/api/status", headers={"If-None-Match": etag})
        assert after.status == 200 and (await after.json())["state"] == "normal"
        assert after.headers["ETag"] != etag
    finally:
        await client.close()
