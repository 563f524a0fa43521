"""微信客服 messages: what a sync_msg item means to the conversation, and bot turns as sends.

Incoming (documented msg_list items): text (a click on a menu item carries its `menu_id`),
voice (its `recognition` text when the payload has one; WeCom's documented voice item has only
a media id, so voice usually gets the polite request for text), location (the service-point
finder), events (enter_session with its welcome_code, msg_send_fail, session_status_change);
anything else gets a polite request for text. Outgoing: a turn is packed into as few sends as
possible (each counts against the 5-per-customer-message quota); buttons become a 菜单消息
(msgmenu) whose click ids are the option numbers, so a click and a typed "1" mean the same.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional

from bot.channel_texts import say
from bot.wechat.messages import ASK_FOR_TEXT
from bot.wechat.render import Rendered, pack

logger = logging.getLogger(__name__)

ORIGIN_CUSTOMER, ORIGIN_EVENT, ORIGIN_SERVICER = 3, 4, 5
MENU_HEAD_BYTES = 1024
MENU_ITEMS = 10
TEXT_BYTES = 2048


@dataclass(frozen=True)
class KfIncoming:
    """One msg_list item. `text` empty: nothing for the conversation (`reply`: what to say)."""

    msgid: str
    external_userid: str
    kind: str  # text | menu | voice | location | enter_session | send_fail | session_change | servicer | other
    send_time: float = 0.0
    text: str = ""
    metadata: Dict[str, Any] = field(default_factory=dict)
    reply: Optional[str] = None
    welcome_code: str = ""
    detail: Dict[str, Any] = field(default_factory=dict)

    @property
    def from_customer(self) -> bool:
        return self.kind in ("text", "menu", "voice", "location", "other")


def _dict(value: Any) -> Dict[str, Any]:
    return value if isinstance(value, dict) else {}


def incoming(item: Any) -> Optional[KfIncoming]:
    """Map one msg_list item; None for an item that is not a message at all (logged)."""
    item = _dict(item)
    msgid = str(item.get("msgid") or "")
    msgtype = str(item.get("msgtype") or "")
    if not msgid or not msgtype:
        logger.warning("sync_msg item without msgid or msgtype ignored: %.200r", item)
        return None
    try:
        send_time = float(item.get("send_time") or 0)
    except (TypeError, ValueError):
        send_time = 0.0
    if msgtype == "event":
        return _event(msgid, _dict(item.get("event")), send_time)
    user = str(item.get("external_userid") or "")
    if not user:
        logger.warning("sync_msg item %s without external_userid ignored", msgid)
        return None
    base: Dict[str, Any] = dict(msgid=msgid, external_userid=user, send_time=send_time)
    if item.get("origin") == ORIGIN_SERVICER:
        return KfIncoming(**base, kind="servicer")  # a human servicer wrote in 企业微信
    if msgtype == "text":
        text = _dict(item.get("text"))
        menu_id = str(text.get("menu_id") or "")
        content = str(text.get("content") or "")
        if menu_id:
            return KfIncoming(**base, kind="menu", text=menu_id, detail={"title": content})
        if content.strip():
            return KfIncoming(**base, kind="text", text=content)
    elif msgtype == "voice":
        recognition = str(_dict(item.get("voice")).get("recognition") or "")
        if recognition.strip():
            return KfIncoming(**base, kind="voice", text=recognition)
    elif msgtype == "location":
        location = _dict(item.get("location"))
        try:
            where = {"latitude": float(location["latitude"]), "longitude": float(location["longitude"])}
        except (KeyError, TypeError, ValueError):
            where = None
        if where:
            return KfIncoming(**base, kind="location", text="/find_service_point", metadata={"location": where})
    return KfIncoming(**base, kind="other", reply=ASK_FOR_TEXT)


def _event(msgid: str, event: Dict[str, Any], send_time: float) -> Optional[KfIncoming]:
    kind = str(event.get("event_type") or "")
    user = str(event.get("external_userid") or "")
    base: Dict[str, Any] = dict(msgid=msgid, external_userid=user, send_time=send_time, detail=event)
    if kind == "enter_session" and user:
        return KfIncoming(
            **base, kind="enter_session", text="/greet", welcome_code=str(event.get("welcome_code") or "")
        )
    if kind == "msg_send_fail":
        return KfIncoming(**base, kind="send_fail")
    if kind == "session_status_change":
        return KfIncoming(**base, kind="session_change")
    return KfIncoming(**base, kind="event")  # other events: nothing to say


def sends(rendered: Rendered, lang: str = "zh") -> List[Dict[str, Any]]:
    """A rendered turn as send_msg bodies: text, or a msgmenu when there are options."""
    text = "\n\n".join(rendered.texts)
    if not rendered.options:
        return [{"msgtype": "text", "text": {"content": part}} for part in pack([text], TEXT_BYTES)] if text else []
    bodies: List[Dict[str, Any]] = []
    head = text
    if len(head.encode("utf-8")) > MENU_HEAD_BYTES:
        bodies = [{"msgtype": "text", "text": {"content": part}} for part in pack([text], TEXT_BYTES)]
        head = say(lang, "menu_head")
    items = [
        {"type": "click", "click": {"id": str(rendered.first_number + i), "content": str(o.get("title", ""))[:40]}}
        for i, o in enumerate(rendered.options)
    ]
    for start in range(0, len(items), MENU_ITEMS):
        bodies.append(
            {
                "msgtype": "msgmenu",
                "msgmenu": {"head_content": head if start == 0 else "", "list": items[start : start + MENU_ITEMS]},
            }
        )
    return bodies
