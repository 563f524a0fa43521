"""A conversation's transcript from its tracker events: what the user and the bot said.

Button clicks are shown by their titles (the payload is what was sent). Everything a user sent
is shown to staff as it was sent, typed payloads included (`/EXTERNAL_…`, `/nlu_fallback`,
`/feedback…`); only Rasa's own external events (which no user can send) are left out, and the
visitor's own history leaves out feedback clicks. A fixed payload is titled in the language the
conversation was in (slot `language`), as the widget showed it; the widget's English payloads
carry it (`/request_human{"language":"en"}`).
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional

# payloads the widget and the answers send from fixed buttons, shown by their titles
KNOWN_PAYLOADS = {
    "/request_human": {"zh": "转人工", "en": "Talk to a person"},
    "/cancel_handoff": {"zh": "取消人工", "en": "Cancel the agent request"},
    "/find_service_point": {"zh": "用我的位置找服务点", "en": "Find service points near me"},  # the location button
}


def _known_title(payload: str, language: str) -> Optional[str]:
    """ "/request_human" or "/request_human{"language":"en"}" -> its title in `language`."""
    titles = KNOWN_PAYLOADS.get(payload.partition("{")[0])
    return titles.get(language) or titles["zh"] if titles else None


def _intent(event: Dict[str, Any]) -> str:
    return (((event.get("parse_data") or {}).get("intent")) or {}).get("name") or ""


def is_external_event(event: Dict[str, Any]) -> bool:
    """A user event Rasa made for an external event (older conversations; none are made now)."""
    return bool((event.get("metadata") or {}).get("is_external")) and _intent(event).startswith("EXTERNAL_")


def _button_title(payload: str, offered: List[Dict[str, Any]]) -> Optional[str]:
    for button in reversed(offered):
        if button.get("payload") == payload:
            return button.get("title")
    return None


def transcript(events: List[Dict[str, Any]], feedback: bool = True) -> List[Dict[str, Any]]:
    """[{"sender": "user"|"bot"|"staff", "text", "buttons", "timestamp"}...] in order.

    feedback=False leaves out feedback clicks (the widget's history: the visitor did not write them).
    """
    messages: List[Dict[str, Any]] = []
    offered: List[Dict[str, Any]] = []
    language = "zh"
    for event in events:
        kind = event.get("event")
        text = event.get("text") or ""
        if kind == "slot" and event.get("name") == "language" and event.get("value") in ("zh", "en"):
            language = event["value"]
        elif kind == "user":
            if is_external_event(event) or (not feedback and _intent(event) == "feedback"):
                continue
            if text.startswith("/"):
                entities = (event.get("parse_data") or {}).get("entities") or []
                shown = next((e.get("value") for e in entities if e.get("entity") == "language"), language)
                text = _button_title(text, offered) or _known_title(text, shown) or text
            messages.append({"sender": "user", "text": text, "timestamp": event.get("timestamp")})
        elif kind == "bot":
            data = event.get("data") or {}
            buttons = data.get("buttons") or data.get("quick_replies") or []
            buttons = [{"title": b.get("title", ""), "payload": b.get("payload", "")} for b in buttons]
            offered = (offered + buttons)[-50:]
            utter_action = (event.get("metadata") or {}).get("utter_action")
            sender = "staff" if utter_action == "utter_staff_reply" else "bot"
            if text or buttons:
                messages.append(
                    {"sender": sender, "text": text, "buttons": buttons, "timestamp": event.get("timestamp")}
                )
    return messages
