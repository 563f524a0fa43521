"""Tell on-duty staff in 企业微信 that a conversation was handed to them.

The web app, which opens hand-offs, calls `notify_new_handoff` for a new one: it posts the
visitor's recent question (sent along by the action), the reason, the channel and a link to the
console to a group robot (WECOM_ROBOT_URL, the webhook URL of a robot added to the staff
group) and/or as an internal app message (WECOM_NOTIFY_AGENT_ID, WECOM_NOTIFY_SECRET,
WECOM_NOTIFY_TO, with WECOM_CORP_ID). Staff answer in the console; the reply reaches the visitor
on their own channel. A notification that fails is logged and never holds up the hand-off.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from typing import Any, Dict, List, Optional, Sequence, Tuple

import aiohttp

from bot import settings
from bot.wechat.api import JsonApi

logger = logging.getLogger(__name__)

CHANNEL_NAMES = {"wecom_kf": "微信客服", "wechat": "公众号", "socketio": "网页", "rest": "接口"}
_pending: set = set()


@dataclass(frozen=True)
class NotifySettings:
    robot_url: str = ""
    corp_id: str = ""
    agent_id: str = ""
    secret: str = ""
    to_users: str = ""
    console_url: str = "http://127.0.0.1:8080/console"
    api_base: str = "https://qyapi.weixin.qq.com"

    @classmethod
    def from_env(cls) -> "NotifySettings":
        return cls(
            robot_url=settings.WECOM_ROBOT_URL,
            corp_id=settings.WECOM_CORP_ID,
            agent_id=settings.WECOM_NOTIFY_AGENT_ID,
            secret=settings.WECOM_NOTIFY_SECRET,
            to_users=settings.WECOM_NOTIFY_TO,
            console_url=settings.CONSOLE_URL,
            api_base=settings.WECOM_API_BASE,
        )

    @property
    def app_message(self) -> bool:
        return bool(self.corp_id and self.agent_id and self.secret)


class AppMessages(JsonApi):
    """An internal app's message API (/cgi-bin/message/send) with its own cached token."""

    def __init__(self, settings: NotifySettings) -> None:
        super().__init__(settings.api_base)
        self.settings = settings

    async def fetch_token(self) -> Tuple[str, float]:
        data = await self.request(
            "GET", "/cgi-bin/gettoken", params={"corpid": self.settings.corp_id, "corpsecret": self.settings.secret}
        )
        return data["access_token"], float(data.get("expires_in", 7200))

    async def send_markdown(self, content: str) -> None:
        await self.call(
            "/cgi-bin/message/send",
            {
                "touser": self.settings.to_users,
                "msgtype": "markdown",
                "agentid": int(self.settings.agent_id),
                "markdown": {"content": content},
            },
        )


_app: Optional[AppMessages] = None


def recent_questions(events: Sequence[Dict[str, Any]], count: int = 3) -> List[str]:
    """The visitor's last few typed messages (payloads such as /request_human left out)."""
    texts = [str(e.get("text") or "").strip() for e in events if e.get("event") == "user"]
    return [t[:200] for t in texts if t and not t.startswith("/")][-count:]


def message(
    handoff_id: int, conversation_id: str, channel: str, reason: str, questions: Sequence[str], console_url: str
) -> str:
    asked = "\n".join(f"> {q}" for q in questions) or "> （没有文字消息）"
    return (
        f"**新的转人工**（第 {handoff_id} 号）\n"
        f"渠道：{CHANNEL_NAMES.get(channel, channel or '未知')}\n原因：{reason}\n访客的问题：\n{asked}\n"
        f"[打开控制台回复]({console_url}#handoff-{handoff_id})（会话 {conversation_id}）"
    )


async def _post_robot(url: str, content: str) -> None:
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=5)) as session:
        async with session.post(url, json={"msgtype": "markdown", "markdown": {"content": content}}) as response:
            response.raise_for_status()
            data = await response.json(content_type=None)
    if isinstance(data, dict) and data.get("errcode"):
        raise RuntimeError(f"robot webhook errcode {data.get('errcode')}: {data.get('errmsg')}")


async def notify(content: str, settings: Optional[NotifySettings] = None) -> int:
    """Send to every configured destination; returns how many took it (failures logged)."""
    global _app
    settings = settings or NotifySettings.from_env()
    delivered = 0
    if settings.robot_url:
        try:
            await _post_robot(settings.robot_url, content)
            delivered += 1
        except Exception as error:
            logger.warning("WeCom robot notification failed: %r", error)
    if settings.app_message:
        if _app is None or _app.settings != settings:
            _app = AppMessages(settings)
        try:
            await _app.send_markdown(content)
            delivered += 1
        except Exception as error:
            logger.warning("WeCom app notification failed: %r", error)
    return delivered


def notify_new_handoff(
    handoff_id: int, conversation_id: str, channel: str, reason: str, questions: Sequence[str]
) -> None:
    """Fire-and-forget (the web app, when it opens a hand-off): the hand-off does not wait for WeCom."""
    config = NotifySettings.from_env()
    if not (config.robot_url or config.app_message):
        return
    content = message(
        handoff_id, conversation_id, channel, reason, [q for q in questions if q.strip()][-3:], config.console_url
    )
    task = asyncio.ensure_future(notify(content, config))
    _pending.add(task)
    task.add_done_callback(_pending.discard)
