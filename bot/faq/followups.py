"""Follow-up questions ("要排队吗", "那怎么办", "多久") resolved against the topic just discussed.

Why: a visitor who just read the offline-issuance answer and asks "要排队吗" means the offline
visit, not a new conversation. The NLU only says the message is a follow-up (intent
`follow_up`); which answer fits is decided here from two things: what the message asks
about (an aspect, found by keywords) and the last topic the bot answered. Targets are
contract labels: "faq/<id>" or an intent with its own action ("ask_outage_status",
"find_service_point"); None means no grounded answer exists (e.g. fees), so the bot says so.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Dict, Iterable, List, Mapping, Optional

from bot.faq.decision import ANSWER, button_topic, decide
from bot.nlu.normalize import to_simplified

STATUS, FINDER = "ask_outage_status", "find_service_point"
# a hall's opening hours: the operator's service-point data, or "not on file" (actions/follow_up.py)
HOURS = "service_point_hours"
OFFLINE = ("faq/offline_issuance", "faq/offline_process", "faq/appointment", FINDER, "faq/kiosk_app")
OUTAGE = (STATUS, "faq/reason", "faq/scope", "faq/is_permanent", "faq/upgrade_content", "rumour_check")


SAME = "same"  # continue the topic just discussed


@dataclass(frozen=True)
class Aspect:
    name: str
    pattern: "re.Pattern[str]"
    default: Optional[str]
    after: Mapping[str, Optional[str]]


def _after(pairs: Dict[Iterable[str] | str, Optional[str]]) -> Dict[str, Optional[str]]:
    table: Dict[str, Optional[str]] = {}
    for topics, target in pairs.items():
        for topic in (topics,) if isinstance(topics, str) else topics:
            table[topic] = target
    return table


# checked in this order; the first aspect whose pattern matches the (simplified) text wins
ASPECTS = (
    Aspect("queue", re.compile(r"排队|人多|预约|queue|appointment|book"), "faq/appointment", {}),
    Aspect("bring", re.compile(r"带|材料|资料|证件|bring|document"), "faq/offline_issuance", {}),
    Aspect("phone", re.compile(r"电话|热线|phone|call"), "faq/contact", {}),
    Aspect(
        "hours",
        re.compile(
            r"几点(?!.*恢复)|开门|关门|上班|下班|周末|周[六日天]|星期[六日天]|礼拜[六日天]|节假日|营业|办公时间|午休|中午"
            r"|kaimen|guanmen|\bopen|\bclos(e|ing)\b|hours|weekend|saturday|sunday"
        ),
        HOURS,
        {},
    ),
    Aspect("cost", re.compile(r"费用|收费|要钱|几钱|多少钱|cost|fee|pay"), None, {}),
    Aspect(
        "how_long",
        re.compile(r"多久|多长时间|几耐|几时|how long|when"),
        STATUS,
        _after(
            {
                OFFLINE: "faq/offline_process",
            }
        ),
    ),
    Aspect(
        "where",
        re.compile(r"哪|边度|地址|过去|怎么去|点样去|点去|地铁|开车|where|address|get there|metro"),
        FINDER,
        _after(
            {
                ("faq/official_channels", "faq/after_recovery"): "faq/official_channels",
                "faq/contact": "faq/contact",
            }
        ),
    ),
    Aspect(
        "how",
        re.compile(r"怎么弄|怎么操作|点样做|步骤|流程|然后|how do|how to"),
        SAME,
        _after(
            {
                "faq/kiosk_app": "faq/kiosk_app",
                "faq/appointment": "faq/appointment",
                "faq/reimbursement": "faq/reimbursement",
            }
        ),
    ),
    Aspect(
        "what_now",
        re.compile(r"怎么办|咋办|点算|怎么做|点做|what now|what do i do|what should"),
        "faq/urgent_invoice",
        _after(
            {
                "faq/impact_enterprise": "faq/enterprise_strategy",
                "faq/legal_compliance": "faq/legal_compliance",
                ("faq/impact_consumer", "faq/reimbursement"): "faq/reimbursement",
                "faq/data_backup": "faq/data_backup",
                "faq/data_security": "faq/data_security",
                "faq/after_recovery": "faq/after_recovery",
            }
        ),
    ),
)


def aspect_of(text: str) -> Optional[Aspect]:
    folded = to_simplified(text or "")
    return next((a for a in ASPECTS if a.pattern.search(folded)), None)


def resolve(text: str, previous: Optional[str]) -> Optional[str]:
    """The label that answers `text` as a follow-up of `previous` (None: no grounded answer)."""
    aspect = aspect_of(text)
    if aspect is None:
        return previous
    if previous is not None and previous in aspect.after:
        return aspect.after[previous]
    if aspect.default == SAME:
        return previous or "faq/offline_process"
    return aspect.default


def answered_label(parse: Dict[str, Any], known: Iterable[str]) -> Optional[str]:
    """The topic a user message was answered with, as a contract label (None: not answered)."""
    known = list(known)
    intent = (parse.get("intent") or {}).get("name")
    chosen = button_topic(parse, known)
    if chosen:
        return f"faq/{chosen}"
    if intent == "faq":
        decision = decide(parse, known)
        return f"faq/{decision.topics[0]}" if decision.kind == ANSWER else None
    if intent in (STATUS, FINDER, "rumour_check", "complaint", "subscribe_restoration"):
        return STATUS if intent == "rumour_check" else intent
    return None


def previous_topic(user_parses: List[Dict[str, Any]], known: Iterable[str]) -> Optional[str]:
    """The last topic answered before the latest message (follow-ups are skipped over)."""
    known = list(known)
    for parse in reversed(user_parses[:-1]):
        if (parse.get("intent") or {}).get("name") == "follow_up":
            continue
        label = answered_label(parse, known)
        if label:
            return label
    return None
