"""WeChat official-account XML: parse incoming messages, build passive replies.

Incoming bodies come from the network, so they are size-capped and parsed with
``defusedxml`` with DTDs, entities and external references all forbidden (no
billion-laughs or XXE). WeChat messages are a flat ``<xml>`` of fields, so the
parser returns a plain ``tag -> text`` dict of the root's direct children.
"""

from __future__ import annotations

import time
from xml.etree.ElementTree import ParseError

import defusedxml.ElementTree as SafeET
from defusedxml import DefusedXmlException

MAX_XML_BYTES = 64 * 1024


class XmlError(ValueError):
    """The body is not an acceptable WeChat XML message."""


def parse_xml(body: bytes | str) -> dict[str, str]:
    size = len(body.encode("utf-8")) if isinstance(body, str) else len(body)
    if size > MAX_XML_BYTES:
        raise XmlError(f"XML body too large ({size} bytes)")
    try:
        root = SafeET.fromstring(
            body, forbid_dtd=True, forbid_entities=True, forbid_external=True
        )
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
