"""The deflection figures, computed from the conversations themselves (tracker events).

- a conversation counts when the user wrote at least once (external events and feedback
  clicks are not the user writing);
- it is handed off when the bot handed it to a human (`handoff_active` set);
- it has an unresolved miss when its last user message went unanswered and no human took it;
- deflection rate = conversations neither handed off nor ending on a miss / conversations;
- fallback rate = user messages below the NLU threshold (nlu_fallback) / user messages.
"""
from __future__ import annotations

from collections import Counter, defaultdict
from datetime import datetime
from typing import Any, Dict, Iterable, List, Optional, Tuple
from zoneinfo import ZoneInfo

from bot.faq.decision import button_topic, is_miss

SHANGHAI = ZoneInfo("Asia/Shanghai")


def _intent(event: Dict[str, Any]) -> str:
    return (((event.get("parse_data") or {}).get("intent")) or {}).get("name") or ""


def is_user_writing(event: Dict[str, Any]) -> bool:
    """A message the user wrote: not a feedback click, not an external event of older conversations
    (no typed text has an EXTERNAL_ intent: they are not in the domain)."""
    if event.get("event") != "user":
        return False
    return _intent(event) != "feedback" and not _intent(event).startswith("EXTERNAL_")


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
    known = list(known)
    per_day: Counter = Counter()
    topics: Counter = Counter()
    feedback: Dict[str, Counter] = defaultdict(Counter)
    counted = handed_off = unresolved = messages = fallbacks = 0
    for events in conversations.values():
        writing = [e for e in events if is_user_writing(e)]
        if not writing:
            continue
        counted += 1
        per_day[_day(writing[0].get("timestamp") or 0)] += 1
        handoff = any(
            e.get("event") == "slot" and e.get("name") == "handoff_active" and e.get("value") for e in events
        )
        handed_off += handoff
        if not handoff and is_miss(writing[-1].get("parse_data") or {}, known):
            unresolved += 1
        last_topic = None
        for event in events:
            rating = _feedback(event)
            if rating is not None and last_topic:
                feedback[last_topic]["helpful" if rating else "unhelpful"] += 1
            if not is_user_writing(event):
                continue
            messages += 1
            fallbacks += _intent(event) == "nlu_fallback"
            topic = answered_topic(event.get("parse_data") or {}, known)
            if topic:
                topics[topic] += 1
                last_topic = topic
    return {
        "conversations": counted,
        "handoffs": handed_off,
        "unresolved": unresolved,
        "deflection_rate": (counted - handed_off - unresolved) / counted if counted else 0.0,
        "fallback_rate": fallbacks / messages if messages else 0.0,
        "user_messages": messages,
        "per_day": [{"date": d, "conversations": n} for d, n in sorted(per_day.items())],
        "top_topics": [{"topic": f"faq/{t}", "count": n} for t, n in topics.most_common(10)],
        "feedback": [
            {"topic": f"faq/{t}", "helpful": c["helpful"], "unhelpful": c["unhelpful"]}
            for t, c in sorted(feedback.items())
        ],
    }


def unanswered(conversations: Dict[str, List[Dict[str, Any]]], known: Iterable[str]) -> List[Dict[str, Any]]:
    """Every user message that went unanswered, newest first."""
    known = list(known)
    found: List[Tuple[float, Dict[str, Any]]] = []
    for conversation_id, events in conversations.items():
        for event in events:
            if is_user_writing(event) and is_miss(event.get("parse_data") or {}, known):
                timestamp = float(event.get("timestamp") or 0)
                found.append((timestamp, {
                    "id": f"{conversation_id}:{timestamp:.6f}",
                    "conversation_id": conversation_id,
                    "text": event.get("text") or "",
                    "timestamp": timestamp,
                }))
    return [item for _t, item in sorted(found, key=lambda pair: -pair[0])]
