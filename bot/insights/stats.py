"""The deflection figures, computed from the conversations themselves (tracker events); the
tracker store feeds them incrementally as a running tally (bot.insights.tally).

- a conversation counts when the user wrote at least once (external events and feedback
  clicks are not the user writing);
- it is handed off when the bot handed it to a human (`handoff_active` set);
- it has an unresolved miss when its last user message went unanswered and no human took it;
- deflection rate = conversations neither handed off nor ending on a miss / conversations;
- fallback rate = user messages below the NLU threshold (nlu_fallback) / user messages.

The staff desk's figures (`desk_figures`, from the tally's "desk:" totals and the hand-off
records; definitions in the README):
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
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from datetime import datetime
from typing import Any, Dict, Iterable, List, Mapping, Optional, Sequence
from zoneinfo import ZoneInfo

from bot.faq.decision import button_topic

SHANGHAI = ZoneInfo("Asia/Shanghai")
RATINGS = ("good", "ok", "bad")
# the bot told the visitor no one can take the conversation now: a hand-off all the same
REFUSED_UTTERANCES = ("utter_handoff_closed", "utter_handoff_full")
# button taps, not something the user wrote
CLICK_INTENTS = ("feedback", "rate")


def _intent(event: Dict[str, Any]) -> str:
    return (((event.get("parse_data") or {}).get("intent")) or {}).get("name") or ""


def is_user_writing(event: Dict[str, Any]) -> bool:
    """A message the user wrote: not a feedback or rating tap, not an external event of older
    conversations (no typed text has an EXTERNAL_ intent: they are not in the domain)."""
    if event.get("event") != "user":
        return False
    return _intent(event) not in CLICK_INTENTS and not _intent(event).startswith("EXTERNAL_")


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
    """有帮助 / 没帮助, tapped (/feedback{"helpful": …}) or typed (data/nlu/feedback.yml)."""
    if event.get("event") != "user" or _intent(event) != "feedback":
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


def rating(event: Dict[str, Any]) -> Optional[str]:
    """满意 / 一般 / 不满意 as good / ok / bad: the rating buttons' /rate{"rating": …}, or typed."""
    if event.get("event") != "user" or _intent(event) != "rate":
        return None
    for entity in (event.get("parse_data") or {}).get("entities") or []:
        if entity.get("entity") == "rating" and entity.get("value") in RATINGS:
            return entity["value"]
    return None


def utter_action(event: Dict[str, Any]) -> str:
    return (event.get("metadata") or {}).get("utter_action") or "" if event.get("event") == "bot" else ""


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
    totals: Mapping[str, float], handoffs: Sequence[Any] = (), suggestion_counts: Optional[Mapping[str, int]] = None
) -> Dict[str, Any]:
    """Resolution, hand-off, satisfaction, suggestion acceptance and waiting times.

    `totals`: the tally's totals (bot.insights.tally, keys "desk:…"); `handoffs`: hand-off
    records (kind, opened_at, first_reply_at, closed_at, outcome); `suggestion_counts`:
    shown / inserted / edited / sent.
    """

    def total(key: str) -> int:
        return int(totals.get(f"desk:{key}", 0))

    conversations, handed_off, unresolved, reopened = (
        total(k) for k in ("sessions", "handed_off", "unresolved", "reopened")
    )
    resolved = conversations - handed_off - unresolved - reopened
    by_topic: Dict[str, Counter] = defaultdict(Counter)
    by_channel: Dict[str, Counter] = defaultdict(Counter)
    ratings: Counter = Counter()
    for key, value in totals.items():
        kind, _sep, rest = key.partition(":")
        if kind == "desk_rating":
            ratings[rest] += int(value)
        elif kind in ("desk_rating_topic", "desk_rating_channel"):
            name, _sep, value_name = rest.rpartition(":")
            (by_topic if kind == "desk_rating_topic" else by_channel)[name][value_name] += int(value)
    rated = sum(ratings.values())
    waits = [
        w for w in (_seconds(h.opened_at, h.first_reply_at) for h in handoffs if h.kind == "live") if w is not None
    ]
    counts = dict(suggestion_counts or {})
    shown = counts.get("shown", 0)

    def rows(groups: Dict[str, Counter], key: str) -> List[Dict[str, Any]]:
        return [
            {key: name, **{r: c[r] for r in RATINGS}, "satisfaction": c["good"] / sum(c.values())}
            for name, c in sorted(groups.items())
            if sum(c.values())
        ]

    return {
        "conversations": conversations,
        "resolved": resolved,
        "handed_off": handed_off,
        "reopened": reopened,
        "unresolved": unresolved,
        "resolution_rate": resolved / conversations if conversations else 0.0,
        "handoff_rate": handed_off / conversations if conversations else 0.0,
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
    """Per staff member: open and closed hand-offs, answered, median wait of their first replies."""
    by_agent: Dict[str, List[Any]] = defaultdict(list)
    for handoff in handoffs:
        if handoff.taken_by:
            by_agent[handoff.taken_by].append(handoff)
    result = []
    for name, mine in sorted(by_agent.items()):
        waits = [w for w in (_seconds(h.opened_at, h.first_reply_at) for h in mine) if w is not None]
        result.append(
            {
                "staff": name,
                "open": sum(1 for h in mine if not h.closed_at),
                "closed": sum(1 for h in mine if h.closed_at),
                "answered": sum(1 for h in mine if h.outcome == "answered"),
                "wait_seconds_median": percentile(waits, 0.5),
            }
        )
    return result
