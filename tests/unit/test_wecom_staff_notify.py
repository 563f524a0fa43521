"""Staff hear of a new hand-off in 企业微信: robot webhook and internal app message."""

from aiohttp.test_utils import TestServer

from bot.wecom.staff_notify import NotifySettings, message, notify, recent_questions
from tests.fakes import wecom_api

EVENTS = [
    {"event": "user", "text": "网上开不了发票怎么办"},
    {"event": "bot", "text": "…"},
    {"event": "user", "text": "/request_human"},
    {"event": "user", "text": "转人工"},
]


def test_the_message_names_the_question_reason_channel_and_console_link():
    assert recent_questions(EVENTS) == ["网上开不了发票怎么办", "转人工"]
    text = message(7, "wm-1", "wecom_kf", "用户要求转人工", recent_questions(EVENTS), "https://desk.example/console")
    assert "第 7 号" in text and "微信客服" in text and "用户要求转人工" in text
    assert "> 网上开不了发票怎么办" in text and "(https://desk.example/console#handoff-7)" in text


async def test_robot_and_app_message_both_delivered_and_failures_counted():
    wecom_api.reset()
    server = TestServer(wecom_api.app())
    await server.start_server()
    base = f"http://127.0.0.1:{server.port}"
    try:
        settings = NotifySettings(
            robot_url=f"{base}/cgi-bin/webhook/send?key=k1",
            corp_id="ww",
            agent_id="1000002",
            secret="app-secret",
            to_users="wang|li",
            api_base=base,
        )
        assert await notify("**新的转人工**", settings) == 2
        assert wecom_api.state["robot"] == [
            {"key": "k1", "msgtype": "markdown", "markdown": {"content": "**新的转人工**"}}
        ]
        assert wecom_api.state["app_messages"][0]["touser"] == "wang|li"
        assert wecom_api.state["app_messages"][0]["agentid"] == 1000002
        broken = NotifySettings(
            robot_url="http://127.0.0.1:9/nowhere", corp_id="ww", agent_id="1", secret="wrong", api_base=base
        )
        assert await notify("x", broken) == 0  # logged, never raised
    finally:
        await server.close()
