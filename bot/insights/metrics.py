"""Prometheus metrics from the conversations: messages, response latency, fallbacks, hand-offs.

Latency is measured from the recorded events themselves: a user message's timestamp to the
first bot message after it, so every replica's traffic counts, whichever served it.
"""
from __future__ import annotations

from typing import Any, Dict, List

from bot.insights.stats import _intent, is_user_writing

BUCKETS = (0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


def latencies(events: List[Dict[str, Any]]) -> List[float]:
    found, waiting_since = [], None
    for event in events:
        if is_user_writing(event):
            waiting_since = event.get("timestamp")
        elif event.get("event") == "bot" and waiting_since is not None:
            found.append(max(0.0, float(event.get("timestamp") or 0) - float(waiting_since)))
            waiting_since = None
    return found


def render_metrics(conversations: Dict[str, List[Dict[str, Any]]], handoffs_total: int, handoffs_open: int) -> str:
    messages = fallbacks = 0
    samples: List[float] = []
    for events in conversations.values():
        for event in events:
            if is_user_writing(event):
                messages += 1
                fallbacks += _intent(event) == "nlu_fallback"
        samples += latencies(events)
    lines = [
        "# HELP assistant_conversations_total Conversations recorded in the tracker store.",
        "# TYPE assistant_conversations_total counter",
        f"assistant_conversations_total {sum(1 for e in conversations.values() if any(map(is_user_writing, e)))}",
        "# HELP assistant_user_messages_total Messages users wrote.",
        "# TYPE assistant_user_messages_total counter",
        f"assistant_user_messages_total {messages}",
        "# HELP assistant_fallbacks_total User messages below the NLU confidence threshold.",
        "# TYPE assistant_fallbacks_total counter",
        f"assistant_fallbacks_total {fallbacks}",
        "# HELP assistant_handoffs_total Conversations handed to staff.",
        "# TYPE assistant_handoffs_total counter",
        f"assistant_handoffs_total {handoffs_total}",
        "# HELP assistant_handoffs_open Hand-offs waiting for or with staff.",
        "# TYPE assistant_handoffs_open gauge",
        f"assistant_handoffs_open {handoffs_open}",
        "# HELP assistant_response_seconds From a user message to the bot's first answer.",
        "# TYPE assistant_response_seconds histogram",
    ]
    for bound in BUCKETS:
        lines.append(f'assistant_response_seconds_bucket{{le="{bound}"}} {sum(1 for s in samples if s <= bound)}')
    lines += [
        f'assistant_response_seconds_bucket{{le="+Inf"}} {len(samples)}',
        f"assistant_response_seconds_sum {sum(samples):.6f}",
        f"assistant_response_seconds_count {len(samples)}",
    ]
    return "\n".join(lines) + "\n"
