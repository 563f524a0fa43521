"""One owner of the web database: the web app prepares it; the action server's door is its API."""
import sqlalchemy as sa
from aiohttp.test_utils import TestServer

from bot import db
from bot.stores import build_stores, prepare
from bot.web.app import create_app
from bot.web.client import WebAppClient, WebAppError

TOKEN = "actions-secret"


def test_building_the_stores_creates_nothing_preparing_creates_every_table_once(tmp_path):
    url = f"sqlite:///{tmp_path / 'web.db'}"
    stores = build_stores(url)
    assert sa.inspect(stores.engine).get_table_names() == []
    prepare(stores)
    prepare(build_stores(url))  # a second start: no second seed
    assert set(sa.inspect(stores.engine).get_table_names()) == set(db.metadata.tables)
    assert {"status_history", "handoffs", "staff_users", "service_points", "unanswered_labels"} <= set(
        db.metadata.tables
    )
    assert len(stores.status.history()) == 1


async def serve(tmp_path, monkeypatch):
    monkeypatch.setattr("bot.settings.WEB_ACTIONS_TOKEN", TOKEN)
    stores = build_stores(f"sqlite:///{tmp_path / 'web.db'}")
    server = TestServer(create_app(stores, staff_token="staff"))
    await server.start_server()
    return server, stores


async def test_the_action_server_subscribes_and_opens_hand_offs_through_the_api(tmp_path, monkeypatch):
    server, stores = await serve(tmp_path, monkeypatch)
    try:
        client = WebAppClient(str(server.make_url("")), TOKEN, timeout=5)
        await client.subscribe("visitor/1", "socketio")
        assert [(s.conversation_id, s.channel) for s in stores.status.pending()] == [("visitor/1", "socketio")]
        assert await client.unsubscribe("visitor/1") and not await client.unsubscribe("visitor/1")
        first = await client.open_handoff("visitor/1", "用户要求转人工", "rest")
        assert await client.open_handoff("visitor/1", "again", "rest") == first  # the open one again
        assert [(h.conversation_id, h.reason) for h in stores.handoffs.open_handoffs()] == [
            ("visitor/1", "用户要求转人工")
        ]
    finally:
        await server.close()


async def test_without_the_actions_token_nothing_changes(tmp_path, monkeypatch):
    server, stores = await serve(tmp_path, monkeypatch)
    try:
        for token in ("", "wrong", "staff"):
            client = WebAppClient(str(server.make_url("")), token, timeout=5)
            for call in (client.subscribe("v", ""), client.open_handoff("v", "r", ""), client.unsubscribe("v")):
                try:
                    await call
                    raise AssertionError("accepted without the actions token")
                except WebAppError as problem:
                    assert "401" in str(problem)
        assert stores.status.pending() == [] and stores.handoffs.open_handoffs() == []
    finally:
        await server.close()


async def test_bad_fields_are_named_and_change_nothing(tmp_path, monkeypatch):
    server, stores = await serve(tmp_path, monkeypatch)
    try:
        client = WebAppClient(str(server.make_url("")), TOKEN, timeout=5)
        try:
            await client.open_handoff("v", "x" * 201, "rest")
            raise AssertionError("accepted a 201-character reason")
        except WebAppError as problem:
            assert "422" in str(problem) and "reason" in str(problem)
        assert stores.handoffs.open_handoffs() == []
    finally:
        await server.close()


async def test_a_web_app_that_is_down_is_an_error_not_a_silence():
    client = WebAppClient("http://127.0.0.1:9", TOKEN, timeout=2)
    try:
        await client.subscribe("v", "rest")
        raise AssertionError("no error with the web app down")
    except WebAppError:
        pass
