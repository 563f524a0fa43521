"""Decide, from one parse, whether to answer a FAQ, ask which topic was meant, or miss.

Why: a retrieval intent can be confidently `faq` while the response selector is unsure
which answer fits (Rasa issues #9723/#9751); answering then gives a confident wrong
answer. Here the response ranking itself decides: a clear winner is answered, two close
candidates become "您是想问", and a weak winner counts as a miss.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Dict, Iterable, List, Mapping, Optional, Tuple

import yaml

from bot import settings
from bot.faq.catalogue import topic_of_key

ANSWER, CLARIFY, MISS = "answer", "clarify", "miss"
MISS_INTENTS = {"nlu_fallback", "out_of_scope"}
# intents with an answer of their own that a "您是想问" button can offer next to FAQ topics
SERVICE_INTENTS = (
    "ask_outage_status",
    "find_service_point",
    "subscribe_restoration",
    "request_human",
    "complaint",
    "rumour_check",
)
# what the visitor meant was not the service: a decline (can't help, or a friendly turn back)
DECLINE_INTENTS = {"out_of_scope", "chitchat"}


@dataclass(frozen=True)
class Thresholds:
    """The decision's thresholds; their values live in config.yml (FaqAnswerFallback)."""

    # joint probability (intent x response) below which a FAQ answer is not trusted
    min_confidence: float
    # two close FAQ topics: the second at least this likely (within the FAQ)...
    clarify_floor: float
    # ...and the first no more than this far ahead of it
    clarify_margin: float
    # an unsure message is clarified (never "帮不上忙") when the service's labels hold at least
    # this much of the probability...
    domain_floor: float
    # ...offering up to three of them, each at least this likely
    option_floor: float

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> "Thresholds":
        try:
            return cls(
                *(
                    float(config[name])
                    for name in ("min_confidence", "clarify_floor", "clarify_margin", "domain_floor", "option_floor")
                )
            )
        except KeyError as missing:
            raise ValueError(f"FaqAnswerFallback in the NLU config: {missing.args[0]} is missing") from None


@lru_cache(maxsize=1)
def configured_thresholds() -> Thresholds:
    """The thresholds of config.yml's FaqAnswerFallback: the NLU, the actions and the figures
    decide with the same values."""
    pipeline = yaml.safe_load(settings.NLU_CONFIG_FILE.read_text(encoding="utf-8"))["pipeline"]
    entry = next((c for c in pipeline if str(c.get("name", "")).endswith("FaqAnswerFallback")), None)
    if entry is None:
        raise ValueError(f"{settings.NLU_CONFIG_FILE}: no FaqAnswerFallback in the pipeline")
    return Thresholds.from_config(entry)


@dataclass(frozen=True)
class FaqDecision:
    kind: str
    topics: Tuple[str, ...] = ()


def _faq_ranking(parse: Dict[str, Any]) -> List[Tuple[str, float]]:
    selector = (parse.get("response_selector") or {}).get("faq") or {}
    ranking = []
    for item in selector.get("ranking") or []:
        topic = topic_of_key(item.get("intent_response_key") or "")
        if topic:
            ranking.append((topic, float(item.get("confidence") or 0.0)))
    return ranking


def _faq_probability(parse: Dict[str, Any]) -> float:
    for item in parse.get("intent_ranking") or []:
        if item.get("name") == "faq":
            return float(item.get("confidence") or 0.0)
    intent = parse.get("intent") or {}
    return float(intent.get("confidence") or 0.0) if intent.get("name") == "faq" else 0.0


def button_topic(parse: Dict[str, Any], known: Optional[Iterable[str]] = None) -> Optional[str]:
    """The topic named by a button payload such as /faq{"faq_topic":"reason"}."""
    known = set(known) if known is not None else None
    for entity in parse.get("entities") or []:
        if entity.get("entity") == "faq_topic" and (known is None or entity.get("value") in known):
            return entity.get("value")
    return None


def decide(
    parse: Dict[str, Any],
    known: Optional[Iterable[str]] = None,
    thresholds: Optional[Thresholds] = None,
) -> FaqDecision:
    """What to do with a message whose intent is (or nearly is) `faq`.

    `known` limits the topics to those with answers (all ranked topics when None);
    `thresholds` are config.yml's unless given.
    """
    thresholds = thresholds or configured_thresholds()
    known = list(known) if known is not None else None
    chosen = button_topic(parse, known)
    if chosen:
        return FaqDecision(ANSWER, (chosen,))
    ranking = [(t, c) for t, c in _faq_ranking(parse) if known is None or t in known]
    if not ranking:
        return FaqDecision(MISS)
    faq_probability = _faq_probability(parse)
    (first, p1), (second, p2) = ranking[0], (ranking[1] if len(ranking) > 1 else ("", 0.0))
    close = p2 >= thresholds.clarify_floor and p1 - p2 <= thresholds.clarify_margin
    if close and faq_probability * (p1 + p2) >= thresholds.min_confidence:
        return FaqDecision(CLARIFY, (first, second))
    if faq_probability * p1 < thresholds.min_confidence:
        return FaqDecision(MISS)
    return FaqDecision(ANSWER, (first,))


def service_candidates(parse: Dict[str, Any], known: Optional[Iterable[str]] = None) -> List[Tuple[str, float]]:
    """Contract labels of the service ("faq/<id>" or an intent) by probability, best first."""
    known = set(known) if known is not None else None
    faq_probability = _faq_probability(parse)
    scored = [
        (f"faq/{topic}", faq_probability * p) for topic, p in _faq_ranking(parse) if known is None or topic in known
    ]
    scored += [
        (item.get("name"), float(item.get("confidence") or 0.0))
        for item in parse.get("intent_ranking") or []
        if item.get("name") in SERVICE_INTENTS
    ]
    return sorted(scored, key=lambda item: -item[1])


def clarify_options(
    parse: Dict[str, Any],
    known: Optional[Iterable[str]] = None,
    thresholds: Optional[Thresholds] = None,
) -> Tuple[str, ...]:
    """For an unsure message: the two or three service labels to offer, or () for "帮不上忙".

    () when the message is plainly not the service: a decline intent leads, or the
    service's labels together are not likely enough.
    """
    thresholds = thresholds or configured_thresholds()
    candidates = service_candidates(parse, known)
    if not candidates:
        return ()
    declined = max(
        (
            float(i.get("confidence") or 0.0)
            for i in parse.get("intent_ranking") or []
            if i.get("name") in DECLINE_INTENTS
        ),
        default=0.0,
    )
    mass = sum(p for _label, p in candidates)
    if declined >= candidates[0][1] or mass < thresholds.domain_floor:
        return ()
    options = [label for label, p in candidates[:3] if p >= thresholds.option_floor]
    return tuple(options if len(options) >= 2 else [label for label, _p in candidates[:2]])


def is_miss(parse: Dict[str, Any], known: Iterable[str]) -> bool:
    """Whether this user message went unanswered (fallback, out of scope, weak FAQ)."""
    intent = (parse.get("intent") or {}).get("name")
    if intent == "nlu_fallback":
        return not clarify_options(parse, known)  # a clarification is not a miss
    if intent in MISS_INTENTS:
        return True
    if intent == "faq":
        return decide(parse, known).kind == MISS
    return False


def trailing_misses(user_parses: List[Dict[str, Any]], known: Iterable[str]) -> int:
    """How many of the latest user messages in a row were misses."""
    known = list(known)
    count = 0
    for parse in reversed(user_parses):
        if not is_miss(parse, known):
            break
        count += 1
    return count
