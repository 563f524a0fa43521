"""The deflection figures, computed from the conversations themselves (tracker events); the
tracker store feeds them incrementally as a running tally (bot.insights.tally).

- a conversation counts when the user wrote at least once (external events and feedback
  clicks are not the user writing);
- it is handed off when the bot handed it to a human (`handoff_active` set);
- it has an unresolved miss when its last user message went unanswered and no human took it;
- deflection rate = conversations neither handed off nor ending on a miss / conversations;
- fallback rate = user messages below the NLU threshold (nlu_fallback) / user messages.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any, Dict, Iterable, List, Optional
from zoneinfo import ZoneInfo

from bot.faq.decision import button_topic, is_miss

SHANGHAI = ZoneInfo("Asia/Shanghai")
HIDDEN_PREFIXES = ("EXTERNAL", "/feedback")


def _intent(event: Dict[str, Any]) -> str:
    return (((event.get("parse_data") or {}).get("intent")) or {}).get("name") or ""


def is_user_writing(event: Dict[str, Any]) -> bool:
    if event.get("event") != "user":
        return False
    return not (event.get("text") or "").startswith(HIDDEN_PREFIXES) and not _intent(event).startswith("EXTERNAL")


def answered_topic(parse: Dict[str, Any], known: Iterable[str]) -> Optional[str]:
    """The FAQ topic a message was answered with (a button's, or the response selector's)."""
    known = list(known)
    chosen = button_topic(parse, known)
    if chosen:
        return chosen
    if ((parse.get("intent") or {}).get("name")) != "faq":
        return None
    key = (((parse.get("response_selector") or {}).get("faq") or {}).get("response") or {}).get(
        "intent_response_key"
    ) or ""
    topic = key.partition("/")[2]
    return topic if topic in known else None


def _feedback(event: Dict[str, Any]) -> Optional[bool]:
    if event.get("event") != "user" or not (event.get("text") or "").startswith("/feedback"):
        return None
    for entity in (event.get("parse_data") or {}).get("entities") or []:
        if entity.get("entity") == "helpful":
            return entity.get("value") == "yes"
    return None


def _day(timestamp: float) -> str:
    return datetime.fromtimestamp(timestamp, SHANGHAI).date().isoformat()


def compute(conversations: Dict[str, List[Dict[str, Any]]], known: Iterable[str]) -> Dict[str, Any]:
    """The figures of these conversations: the running tally (bot.insights.tally) over all of them."""
    from bot.insights.tally import figures, tally

    return figures(tally(conversations, list(known)))


def unanswered(conversations: Dict[str, List[Dict[str, Any]]], known: Iterable[str]) -> List[Dict[str, Any]]:
    """Every user message that went unanswered, newest first."""
    from bot.insights.tally import fold

    known = list(known)
    found = [q for cid, events in conversations.items() for q in fold(cid, None, events, known).unanswered]
    return sorted(found, key=lambda question: -question["timestamp"])
