"""Prometheus metrics from the conversations: messages, response latency, fallbacks, hand-offs.

Latency is measured from the recorded events themselves: a user message's timestamp to the
first bot message after it, so every replica's traffic counts, whichever served it. The counts
come from the running tally (bot.insights.tally), so a scrape does not read the conversations.
"""

from __future__ import annotations

from typing import Any, Dict, Iterable, List, Mapping, Optional

from bot.insights.tally import LATENCY_BUCKETS, tally

BUCKETS = LATENCY_BUCKETS


def render(totals: Mapping[str, float], handoffs_total: int, handoffs_open: int) -> str:
    """The Prometheus text of the tally's totals and the hand-off queue's counts."""

    def count(key: str) -> int:
        return int(totals.get(key, 0))

    lines = [
        "# HELP assistant_conversations_total Conversations recorded in the tracker store.",
        "# TYPE assistant_conversations_total counter",
        f"assistant_conversations_total {count('conversations')}",
        "# HELP assistant_user_messages_total Messages users wrote.",
        "# TYPE assistant_user_messages_total counter",
        f"assistant_user_messages_total {count('user_messages')}",
        "# HELP assistant_fallbacks_total User messages below the NLU confidence threshold.",
        "# TYPE assistant_fallbacks_total counter",
        f"assistant_fallbacks_total {count('fallbacks')}",
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
        lines.append(f'assistant_response_seconds_bucket{{le="{bound}"}} {count(f"latency_le:{bound}")}')
    lines += [
        f'assistant_response_seconds_bucket{{le="+Inf"}} {count("latency_count")}',
        f"assistant_response_seconds_sum {float(totals.get('latency_sum', 0)):.6f}",
        f"assistant_response_seconds_count {count('latency_count')}",
    ]
    return "\n".join(lines) + "\n"


def render_metrics(
    conversations: Dict[str, List[Dict[str, Any]]],
    handoffs_total: int,
    handoffs_open: int,
    known: Optional[Iterable[str]] = None,
) -> str:
    """The metrics of these conversations (the tally over all of them)."""
    if known is None:
        from bot.faq.catalogue import load_catalogue

        known = load_catalogue()
    return render(tally(conversations, list(known)), handoffs_total, handoffs_open)
