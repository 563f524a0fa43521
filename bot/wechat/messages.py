"""WeChat official-account XML: parse incoming messages, build passive replies.

Incoming bodies come from the network, so they are size-capped and parsed with
``defusedxml`` with DTDs, entities and external references all forbidden (no
billion-laughs or XXE). WeChat messages are a flat ``<xml>`` of fields, so the
parser returns a plain ``tag -> text`` dict of the root's direct children; ``incoming`` maps
them to what the conversation receives (text, voice recognition, location, subscribe).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any, Dict, Optional, Tuple
from xml.etree.ElementTree import ParseError

import defusedxml.ElementTree as SafeET
from defusedxml import DefusedXmlException

from bot.channel_texts import say

MAX_XML_BYTES = 64 * 1024


class XmlError(ValueError):
    """The body is not an acceptable WeChat XML message."""


def parse_xml(body: bytes | str) -> dict[str, str]:
    size = len(body.encode("utf-8")) if isinstance(body, str) else len(body)
    if size > MAX_XML_BYTES:
        raise XmlError(f"XML body too large ({size} bytes)")
    try:
        root = SafeET.fromstring(body, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as exc:
        raise XmlError(f"forbidden XML construct: {type(exc).__name__}") from exc
    except (ParseError, ValueError) as exc:
        raise XmlError(f"malformed XML: {exc}") from exc
    if root.tag != "xml":
        raise XmlError(f"unexpected root element <{root.tag}>")
    return {child.tag: (child.text or "").strip() for child in root}


def cdata(text: str) -> str:
    """Wrap ``text`` in CDATA, splitting any ``]]>`` it contains."""
    return "<![CDATA[" + text.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def _reply(to_user: str, from_user: str, create_time: int | None, msg_type: str, extra: str = "") -> str:
    created = int(time.time()) if create_time is None else int(create_time)
    return (
        f"<xml><ToUserName>{cdata(to_user)}</ToUserName>"
        f"<FromUserName>{cdata(from_user)}</FromUserName>"
        f"<CreateTime>{created}</CreateTime>"
        f"<MsgType>{cdata(msg_type)}</MsgType>{extra}</xml>"
    )


def text_reply(to_user: str, from_user: str, content: str, create_time: int | None = None) -> str:
    """Passive text reply."""
    return _reply(to_user, from_user, create_time, "text", f"<Content>{cdata(content)}</Content>")


def transfer_reply(to_user: str, from_user: str, create_time: int | None = None) -> str:
    """Passive reply handing the conversation to the customer-service (客服) system."""
    return _reply(to_user, from_user, create_time, "transfer_customer_service")


ASK_FOR_TEXT = say("zh", "ask_for_text")  # the channel gives it in the visitor's language


@dataclass(frozen=True)
class Incoming:
    """What a WeChat message means to the conversation.

    `text` is empty when there is nothing to pass on: then `reply` is the polite answer to give
    (or None: answer "success" and say nothing, e.g. for an unsubscribe event).
    """

    openid: str
    account: str
    kind: str
    msg_id: str
    text: str = ""
    metadata: Dict[str, Any] = field(default_factory=dict)
    reply: Optional[str] = None

    @property
    def retry_key(self) -> Tuple[str, str]:
        """WeChat retries one message with the same MsgId (events: the same CreateTime)."""
        return (self.openid, self.msg_id)


def incoming(fields: Dict[str, str]) -> Incoming:
    """Map WeChat's fields to a user message; XmlError when a required field is missing or bad."""
    openid, account = fields.get("FromUserName", ""), fields.get("ToUserName", "")
    if not openid:
        raise XmlError("no FromUserName")
    kind = fields.get("MsgType", "")
    msg_id = fields.get("MsgId") or f"t{fields.get('CreateTime', '')}"
    base: Dict[str, Any] = dict(openid=openid, account=account, kind=kind, msg_id=msg_id)
    if kind == "text":
        text = fields.get("Content", "")
    elif kind == "voice":
        text = fields.get("Recognition", "")
    elif kind == "location":
        try:
            location = {
                "latitude": float(fields.get("Location_X", "")),
                "longitude": float(fields.get("Location_Y", "")),
            }
        except ValueError as error:
            raise XmlError("bad location") from error
        return Incoming(**base, text="/find_service_point", metadata={"location": location})
    elif kind == "event":
        if fields.get("Event", "").lower() != "subscribe":
            return Incoming(**base)  # unsubscribe and other events: nothing to say
        text = "/greet"
    else:
        text = ""
    if not text.strip():
        return Incoming(**base, reply=ASK_FOR_TEXT)
    return Incoming(**base, text=text)  # the channel's limit policy refuses an over-long one
