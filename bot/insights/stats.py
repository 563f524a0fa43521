"""The figures, computed from the conversations themselves (tracker events) and the hand-off
records; pure functions of their inputs, so a hand-counted set checks them (tests/unit).

`desk_figures` (the staff desk's honest figures; definitions in the README):
- a conversation is one session of a visitor (Rasa's `session_started` splits them) in which
  the visitor wrote at least once;
- handed off: the bot queued it for staff (`handoff_active` set) or told the visitor that no
  one could take it now (outside staffed hours / queue full);
- resolved: not handed off, its last message not an unresolved miss, and the same visitor
  did not write again within 24 h of its last message (reopened);
- resolution rate = resolved / conversations; hand-off rate = handed off / conversations
  (the two never overlap, so their sum is at most 100 %);
- satisfaction = 满意 ratings / all ratings, per topic (the FAQ topic last answered before the
  rating, or "human" after a staff reply) and per channel;
- suggestion acceptance = suggestions inserted / suggestions shown;
- waiting time = first staff reply − hand-off opened, over live hand-offs with a reply
  (median and p90, nearest rank); hand-offs without a reply are counted apart.

`compute` (kept for /metrics and the older dashboard keys):

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
import math
from typing import Any, Dict, Iterable, List, Optional, Sequence, Tuple
from zoneinfo import ZoneInfo

from bot.faq.decision import button_topic, is_miss

SHANGHAI = ZoneInfo("Asia/Shanghai")
HIDDEN_PREFIXES = ("EXTERNAL", "/feedback", "/rate")


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


RATINGS = ("good", "ok", "bad")
REOPEN_SECONDS = 24 * 3600
REFUSED_UTTERANCES = ("utter_handoff_closed", "utter_handoff_full")


def sessions(events: List[Dict[str, Any]]) -> List[List[Dict[str, Any]]]:
    """A conversation's events split into its sessions (at each `session_started`)."""
    found: List[List[Dict[str, Any]]] = [[]]
    for event in events:
        if event.get("event") == "session_started" and found[-1]:
            found.append([])
        found[-1].append(event)
    return [s for s in found if s]


def _rating(event: Dict[str, Any]) -> Optional[str]:
    if event.get("event") != "user" or _intent(event) != "rate":
        return None
    for entity in (event.get("parse_data") or {}).get("entities") or []:
        if entity.get("entity") == "rating" and entity.get("value") in RATINGS:
            return entity["value"]
    return None


def _handed_off(events: List[Dict[str, Any]]) -> bool:
    return any(
        (e.get("event") == "slot" and e.get("name") == "handoff_active" and e.get("value"))
        or (e.get("event") == "bot" and (e.get("metadata") or {}).get("utter_action") in REFUSED_UTTERANCES)
        for e in events
    )


def _is_staff_reply(event: Dict[str, Any]) -> bool:
    return event.get("event") == "bot" and (event.get("metadata") or {}).get("utter_action") == "utter_staff_reply"


def percentile(values: Sequence[float], share: float) -> Optional[float]:
    """Nearest-rank percentile (share in 0..1); None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def _seconds(start: Optional[str], end: Optional[str]) -> Optional[float]:
    if not start or not end:
        return None
    return (datetime.fromisoformat(end) - datetime.fromisoformat(start)).total_seconds()


def desk_figures(
    conversations: Dict[str, List[Dict[str, Any]]],
    known: Iterable[str],
    handoffs: Sequence[Any] = (),
    suggestion_counts: Optional[Dict[str, int]] = None,
) -> Dict[str, Any]:
    """Resolution, hand-off, satisfaction, suggestion acceptance and waiting times.

    `handoffs` are hand-off records (objects with kind, opened_at, first_reply_at, taken_by,
    closed_at, outcome); `suggestion_counts` maps shown/inserted/edited/sent to counts.
    """
    known = list(known)
    total = resolved = handed_off = reopened = unresolved = 0
    by_topic: Dict[str, Counter] = defaultdict(Counter)
    by_channel: Dict[str, Counter] = defaultdict(Counter)
    ratings: Counter = Counter()
    for events in conversations.values():
        parts = [p for p in sessions(events) if any(is_user_writing(e) for e in p)]
        for index, part in enumerate(parts):
            writing = [e for e in part if is_user_writing(e)]
            total += 1
            handoff = _handed_off(part)
            miss = not handoff and is_miss(writing[-1].get("parse_data") or {}, known)
            later = parts[index + 1] if index + 1 < len(parts) else None
            back = False
            if later is not None:
                next_writing = next(e for e in later if is_user_writing(e))
                back = float(next_writing.get("timestamp") or 0) - float(writing[-1].get("timestamp") or 0) \
                    <= REOPEN_SECONDS
            handed_off += handoff
            unresolved += miss
            reopened += back and not handoff and not miss
            resolved += not (handoff or miss or back)
            topic, staff = None, False
            for event in part:
                if _is_staff_reply(event):
                    staff = True
                rating = _rating(event)
                if rating:
                    ratings[rating] += 1
                    by_topic["human" if staff else (f"faq/{topic}" if topic else "other")][rating] += 1
                    by_channel[event.get("input_channel") or "unknown"][rating] += 1
                elif is_user_writing(event):
                    topic = answered_topic(event.get("parse_data") or {}, known) or topic
    rated = sum(ratings.values())
    waits = [w for w in (_seconds(h.opened_at, h.first_reply_at) for h in handoffs if h.kind == "live")
             if w is not None]
    counts = suggestion_counts or {}
    shown = counts.get("shown", 0)

    def rows(groups: Dict[str, Counter], key: str) -> List[Dict[str, Any]]:
        return [{key: name, **{r: c[r] for r in RATINGS}, "satisfaction": c["good"] / sum(c.values())}
                for name, c in sorted(groups.items())]

    return {
        "conversations": total,
        "resolved": resolved,
        "handed_off": handed_off,
        "reopened": reopened,
        "unresolved": unresolved,
        "resolution_rate": resolved / total if total else 0.0,
        "handoff_rate": handed_off / total if total else 0.0,
        "ratings": {r: ratings[r] for r in RATINGS},
        "satisfaction": ratings["good"] / rated if rated else None,
        "satisfaction_by_topic": rows(by_topic, "topic"),
        "satisfaction_by_channel": rows(by_channel, "channel"),
        "suggestions": {e: counts.get(e, 0) for e in ("shown", "inserted", "edited", "sent")},
        "suggestion_acceptance": counts.get("inserted", 0) / shown if shown else None,
        "wait_seconds_median": percentile(waits, 0.5),
        "wait_seconds_p90": percentile(waits, 0.9),
        "handoffs_replied": len(waits),
        "handoffs_unreplied": sum(1 for h in handoffs if h.kind == "live" and not h.first_reply_at),
        "outcomes": dict(Counter(h.outcome for h in handoffs if h.closed_at and h.outcome)),
    }


def agent_figures(handoffs: Sequence[Any]) -> List[Dict[str, Any]]:
    """Per staff member: open and closed hand-offs, answered, median waiting time of their first replies."""
    by_agent: Dict[str, List[Any]] = defaultdict(list)
    for handoff in handoffs:
        if handoff.taken_by:
            by_agent[handoff.taken_by].append(handoff)
    result = []
    for name, mine in sorted(by_agent.items()):
        waits = [w for w in (_seconds(h.opened_at, h.first_reply_at) for h in mine) if w is not None]
        result.append({
            "staff": name,
            "open": sum(1 for h in mine if not h.closed_at),
            "closed": sum(1 for h in mine if h.closed_at),
            "answered": sum(1 for h in mine if h.outcome == "answered"),
            "wait_seconds_median": percentile(waits, 0.5),
        })
    return result
