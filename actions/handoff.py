"""Hand-off to a human: queue it (or say honestly why no one can answer now) and the visitor
leaving the queue. Both set `handoff_outcome`; data/rules/handoff.yml picks the words. The
queue lives in the web app, reached through its API (bot/web/client.py); the web app decides from the staffed hours and the queue length
(data/staffing.yml) whether a person can take the conversation now. Staff replies and the
release are server events the web app writes (bot/conversations/server_events.py)."""

import logging
from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot.web.client import WebAppError, web_app
from bot.wecom.staff_notify import recent_questions

logger = logging.getLogger(__name__)

# the replies to a miss after which the rules hand a second miss in a row to staff
MISS_REPLIES = ("utter_not_understood", "utter_can_help_with")


def first_line(tracker: Tracker) -> str:
    """The visitor's own words that led here (not a button payload)."""
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            text = (event.get("text") or "").strip()
            if text and not text.startswith("/"):
                return text[:300]
    return ""


async def open_handoff(tracker: Tracker, reason: str) -> List[Dict[Text, Any]]:
    """Queue the conversation for staff when someone can answer; otherwise say (in
    `handoff_outcome`) why not and whether the channel can carry a question left for staff.
    What the visitor hears is the rules' (data/rules/handoff.yml)."""
    question = "\n".join(recent_questions(tracker.events))  # for the staff notification
    try:
        answer = await web_app().open_handoff(
            tracker.sender_id,
            reason,
            tracker.get_latest_input_channel() or "",
            question,
            first_line=first_line(tracker),
            language=tracker.get_slot("language") or "zh",
        )
    except WebAppError as problem:  # no queue, no promise of a person: the hotline instead
        logger.error("hand-off for %s not opened: %s", tracker.sender_id, problem)
        return [outcome("unreachable")]
    hours = SlotSet("staffed_hours", answer.get("staffed_hours") or "")
    if answer.get("decision") == "open":
        return [hours, SlotSet("handoff_active", True), outcome("open")]
    refused = "full" if answer.get("decision") == "full" else "closed"
    if not answer.get("message_left"):
        later = "no_message"
    elif tracker.get_latest_input_channel() == "wechat":
        later = "message_left_wechat"
    else:
        later = "message_left"
    return [hours, outcome(f"{refused}_{later}")]


def outcome(value: str) -> Dict[Text, Any]:
    return SlotSet("handoff_outcome", value)


class ActionHandoff(Action):
    def name(self) -> Text:
        return "action_handoff"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        # a second miss in a row comes here right after the miss reply (data/rules/fallback.yml)
        after_miss = tracker.latest_action_name in MISS_REPLIES
        return await open_handoff(tracker, "连续两次未能回答" if after_miss else "用户要求转人工")


class ActionCancelHandoff(Action):
    """算了 / 不用了 / 取消人工: the visitor leaves the queue, staff see that they left."""

    def name(self) -> Text:
        return "action_cancel_handoff"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        try:
            left = await web_app().leave_handoff(tracker.sender_id)
        except WebAppError as problem:  # the bot is back either way; staff may still see the entry
            logger.error("leaving the queue for %s not recorded: %s", tracker.sender_id, problem)
            left = True
        if not left and not tracker.get_slot("handoff_active"):
            return [outcome("not_queued")]
        return [SlotSet("handoff_active", False), outcome("left")]
