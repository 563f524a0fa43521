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


async def serve(
    tmp_path,
    monkeypatch,
    staffing='hours: {mon: ["00:00-24:00"], tue: ["00:00-24:00"], wed: ["00:00-24:00"], thu: ["00:00-24:00"], fri: ["00:00-24:00"], sat: ["00:00-24:00"], sun: ["00:00-24:00"]}\n',
):
    monkeypatch.setattr("bot.settings.WEB_ACTIONS_TOKEN", TOKEN)
    (tmp_path / "staffing.yml").write_text(staffing, encoding="utf-8")
    monkeypatch.setattr("bot.settings.STAFFING_FILE", tmp_path / "staffing.yml")
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
        first = await client.open_handoff("visitor/1", "用户要求转人工", "rest", first_line="我要找真人")
        assert first["decision"] == "open" and first["staffed_hours"] == "周一至周日 00:00-24:00"
        assert await client.open_handoff("visitor/1", "again", "rest") == first  # the open one again
        assert [(h.conversation_id, h.reason, h.first_line) for h in stores.handoffs.open_handoffs()] == [
            ("visitor/1", "用户要求转人工", "我要找真人")
        ]
        assert await client.leave_handoff("visitor/1") and not await client.leave_handoff("visitor/1")
        assert stores.handoffs.open_handoffs() == [] and stores.handoffs.all()[0].outcome == "left"
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


async def test_outside_staffed_hours_a_question_is_left_only_where_the_channel_can_carry_an_answer(
    tmp_path, monkeypatch
):
    server, stores = await serve(tmp_path, monkeypatch, staffing="hours: {}\n")
    try:
        client = WebAppClient(str(server.make_url("")), TOKEN, timeout=5)
        rest = await client.open_handoff("visitor/rest", "用户要求转人工", "rest")
        assert (rest["decision"], rest["message_left"]) == ("closed", False) and "id" not in rest
        wechat = await client.open_handoff("visitor/wx", "用户要求转人工", "wechat")
        assert (wechat["decision"], wechat["message_left"]) == ("closed", True)
        assert [(h.conversation_id, h.kind) for h in stores.handoffs.open_handoffs()] == [("visitor/wx", "message")]
    finally:
        await server.close()


def test_a_database_from_before_new_columns_gets_them(tmp_path):
    """An installation's hand-off and account tables from an older release keep working."""
    url = f"sqlite:///{tmp_path / 'old.db'}"
    engine = sa.create_engine(url)
    with engine.begin() as connection:
        connection.execute(
            sa.text(
                "CREATE TABLE handoffs (id INTEGER PRIMARY KEY, conversation_id VARCHAR(255) NOT NULL, channel VARCHAR(64)"
                " NOT NULL, reason VARCHAR(200) NOT NULL, opened_at VARCHAR(40) NOT NULL, taken_by VARCHAR(100),"
                " taken_at VARCHAR(40), closed_by VARCHAR(100), closed_at VARCHAR(40))"
            )
        )
        connection.execute(
            sa.text(
                "INSERT INTO handoffs (conversation_id, channel, reason, opened_at) "
                "VALUES ('old', 'rest', 'r', '2026-11-01T00:00:00+00:00')"
            )
        )
        connection.execute(
            sa.text(
                "CREATE TABLE staff_users (name VARCHAR(50) PRIMARY KEY, password_hash "
                "VARCHAR(200) NOT NULL, created_at VARCHAR(40) NOT NULL)"
            )
        )
    stores = build_stores(url)
    prepare(stores)
    old = stores.handoffs.open_handoffs()[0]
    assert (old.kind, old.first_line, old.outcome) == ("live", "", None)
    stores.accounts.add_user("wang", "a long enough password")
    assert stores.accounts.users()[0]["role"] == "agent"
