"""The figures as a running tally: one conversation's events folded in as they are recorded.

Why: computing the figures by reading every event of every conversation costs more with each
conversation ever held, on every dashboard view and every scrape. Here each event changes a
small per-conversation state and a few additive totals (counts per key), so reading the
figures costs the same after a million conversations as after ten. The definitions are
those of bot.insights.stats (its pure functions are this fold over all the events), and the
tracker store feeds the fold as it saves (bot.insights.figures_store).

Totals are plain numbers under string keys: "conversations", "handoffs", "unresolved",
"user_messages", "fallbacks", "day:<date>", "topic:<id>", "helpful:<id>", "unhelpful:<id>",
"latency_le:<bound>", "latency_count", "latency_sum". A conversation's state decides its part
of the state-dependent totals (conversations, handoffs, unresolved); a change of state
changes them by the difference, so a later answer can make an earlier miss resolved.

The staff desk's figures count sessions (bot.insights.stats.desk_figures): "desk:sessions",
"desk:handed_off", "desk:unresolved", "desk:reopened" (state-dependent, like the above: the
current session's part changes until the next session starts; a session whose visitor writes
again within 24 h is moved from resolved to reopened), and the ratings "desk_rating:<value>",
"desk_rating_topic:<topic>:<value>", "desk_rating_channel:<channel>:<value>".
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any, Dict, Iterable, List, Mapping, Optional, Sequence

from bot.faq.decision import is_miss
from bot.insights.stats import (
    REFUSED_UTTERANCES,
    _day,
    _feedback,
    _intent,
    answered_topic,
    is_user_writing,
    rating,
    utter_action,
)

LATENCY_BUCKETS = (0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
REOPEN_SECONDS = 24 * 3600

Event = Dict[str, Any]
State = Dict[str, Any]


def initial_state() -> State:
    return {
        "written": False,
        "handoff": False,
        "last_missed": False,
        "last_topic": None,
        "waiting_since": None,
        "desk": initial_desk(),
    }


def initial_desk() -> Dict[str, Any]:
    """The staff desk's view of a conversation: its closed sessions' counts and the current one."""
    return {
        "sessions": 0,
        "handed_off": 0,
        "unresolved": 0,
        "reopened": 0,
        "written": False,
        "handoff": False,
        "missed": False,
        "last_written": None,
        "topic": None,
        "staff": False,
        "previous_resolved": False,
        "previous_last": None,
    }


def _standing(state: Mapping[str, Any]) -> Dict[str, int]:
    """The totals that follow from a conversation's state alone."""
    written = bool(state["written"])
    desk = state["desk"]
    current = bool(desk["written"])
    return {
        "conversations": int(written),
        "handoffs": int(written and state["handoff"]),
        "unresolved": int(written and not state["handoff"] and state["last_missed"]),
        "desk:sessions": desk["sessions"] + current,
        "desk:handed_off": desk["handed_off"] + int(current and desk["handoff"]),
        "desk:unresolved": desk["unresolved"] + int(current and not desk["handoff"] and desk["missed"]),
        "desk:reopened": desk["reopened"],
    }


def _fold_desk(desk: Dict[str, Any], event: Event, known: Sequence[str], deltas: Dict[str, float]) -> None:
    """One event into the desk's session state (see the module's docstring)."""
    if event.get("event") == "session_started":
        if desk["written"]:  # the session ends: its counts stay
            desk["sessions"] += 1
            desk["handed_off"] += bool(desk["handoff"])
            desk["unresolved"] += bool(not desk["handoff"] and desk["missed"])
            desk["previous_resolved"] = not desk["handoff"] and not desk["missed"]
            desk["previous_last"] = desk["last_written"]
        desk.update(written=False, handoff=False, missed=False, last_written=None, topic=None, staff=False)
        return
    value = rating(event)
    if value:
        topic = "human" if desk["staff"] else (f"faq/{desk['topic']}" if desk["topic"] else "other")
        channel = event.get("input_channel") or "unknown"
        for key in (
            f"desk_rating:{value}",
            f"desk_rating_topic:{topic}:{value}",
            f"desk_rating_channel:{channel}:{value}",
        ):
            deltas[key] += 1
    elif is_user_writing(event):
        timestamp = float(event.get("timestamp") or 0)
        if (
            not desk["written"]
            and desk["previous_resolved"]
            and desk["previous_last"] is not None
            and timestamp - desk["previous_last"] <= REOPEN_SECONDS
        ):
            desk["reopened"] += 1  # the visitor came back: the previous session was not resolved
        if not desk["written"]:
            desk["previous_resolved"] = False
        desk["written"] = True
        desk["last_written"] = timestamp
        parse = event.get("parse_data") or {}
        desk["missed"] = is_miss(parse, known)
        desk["topic"] = answered_topic(parse, known) or desk["topic"]
    elif event.get("event") == "slot" and event.get("name") == "handoff_active" and event.get("value"):
        desk["handoff"] = True
    elif utter_action(event) in REFUSED_UTTERANCES:
        desk["handoff"] = True
    elif utter_action(event) == "utter_staff_reply":
        desk["staff"] = True


@dataclass
class Step:
    """What folding some events into one conversation changed."""

    state: State
    deltas: Dict[str, float] = field(default_factory=dict)
    # the user messages that went unanswered: conversation_id, text, timestamp, id
    unanswered: List[Dict[str, Any]] = field(default_factory=list)


def fold(
    conversation_id: str, state: Optional[Mapping[str, Any]], events: Iterable[Event], known: Sequence[str]
) -> Step:
    """Fold `events` (in order) into a conversation's `state` (None: a new conversation)."""
    state = {**initial_state(), **(state or {})}
    state["desk"] = {**initial_desk(), **(state["desk"] or {})}
    before = _standing(state)
    step = Step(state)
    deltas: Dict[str, float] = defaultdict(float)
    for event in events:
        _fold_desk(state["desk"], event, known, deltas)
        helpful = _feedback(event)
        if helpful is not None and state["last_topic"]:
            deltas[("helpful:" if helpful else "unhelpful:") + state["last_topic"]] += 1
        if is_user_writing(event):
            parse = event.get("parse_data") or {}
            timestamp = float(event.get("timestamp") or 0)
            if not state["written"]:
                state["written"] = True
                deltas["day:" + _day(timestamp)] += 1
            deltas["user_messages"] += 1
            deltas["fallbacks"] += _intent(event) == "nlu_fallback"
            missed = is_miss(parse, known)
            state["last_missed"] = missed
            if missed:
                step.unanswered.append(
                    {
                        "id": f"{conversation_id}:{timestamp:.6f}",
                        "conversation_id": conversation_id,
                        "text": event.get("text") or "",
                        "timestamp": timestamp,
                    }
                )
            topic = answered_topic(parse, known)
            if topic:
                deltas["topic:" + topic] += 1
                state["last_topic"] = topic
            state["waiting_since"] = timestamp
        elif event.get("event") == "bot" and state["waiting_since"] is not None:
            seconds = max(0.0, float(event.get("timestamp") or 0) - float(state["waiting_since"]))
            for bound in LATENCY_BUCKETS:
                deltas[f"latency_le:{bound}"] += seconds <= bound
            deltas["latency_count"] += 1
            deltas["latency_sum"] += seconds
            state["waiting_since"] = None
        elif event.get("event") == "slot" and event.get("name") == "handoff_active" and event.get("value"):
            state["handoff"] = True
    for key, value in _standing(state).items():
        deltas[key] += value - before[key]
    step.deltas = {key: value for key, value in deltas.items() if value}
    return step


def tally(conversations: Mapping[str, List[Event]], known: Sequence[str]) -> Dict[str, float]:
    """The totals of whole conversations (what the incremental feed arrives at)."""
    totals: Dict[str, float] = defaultdict(float)
    for conversation_id, events in conversations.items():
        for key, value in fold(conversation_id, None, events, known).deltas.items():
            totals[key] += value
    return dict(totals)


def _share(part: float, whole: float) -> float:
    return part / whole if whole else 0.0


def figures(totals: Mapping[str, float]) -> Dict[str, Any]:
    """The dashboard's figures from the totals."""

    def keyed(prefix: str) -> Dict[str, int]:
        return {key[len(prefix) :]: int(value) for key, value in totals.items() if key.startswith(prefix) and value}

    counted = int(totals.get("conversations", 0))
    handed_off = int(totals.get("handoffs", 0))
    unresolved = int(totals.get("unresolved", 0))
    messages = int(totals.get("user_messages", 0))
    topics = sorted(keyed("topic:").items(), key=lambda item: (-item[1], item[0]))
    helpful, unhelpful = keyed("helpful:"), keyed("unhelpful:")
    return {
        "conversations": counted,
        "handoffs": handed_off,
        "unresolved": unresolved,
        "deflection_rate": _share(counted - handed_off - unresolved, counted),
        "fallback_rate": _share(int(totals.get("fallbacks", 0)), messages),
        "user_messages": messages,
        "per_day": [{"date": d, "conversations": n} for d, n in sorted(keyed("day:").items())],
        "top_topics": [{"topic": f"faq/{t}", "count": n} for t, n in topics[:10]],
        "feedback": [
            {"topic": f"faq/{t}", "helpful": helpful.get(t, 0), "unhelpful": unhelpful.get(t, 0)}
            for t in sorted(set(helpful) | set(unhelpful))
        ],
    }
