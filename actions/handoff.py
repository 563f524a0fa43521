"""Hand-off to a human: queue it (or say honestly why no one can answer now), the visitor
leaving the queue, and the rating. The queue lives in the web app, reached through its API
(bot/web/client.py); the web app decides from the staffed hours and the queue length
(data/staffing.yml) whether a person can take the conversation now. Staff replies and the
release are server events the web app writes (bot/conversations/server_events.py)."""

import logging
from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot.contacts import load_contacts
from bot.web.client import WebAppError, web_app
from bot.wecom.staff_notify import recent_questions

logger = logging.getLogger(__name__)


def first_line(tracker: Tracker) -> str:
    """The visitor's own words that led here (not a button payload)."""
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            text = (event.get("text") or "").strip()
            if text and not text.startswith("/"):
                return text[:300]
    return ""


async def open_handoff(dispatcher: CollectingDispatcher, tracker: Tracker, reason: str) -> List[Dict[Text, Any]]:
    """Queue the conversation for staff when someone can answer; otherwise the hotline and,
    where the channel can carry a late answer, a question left for staff."""
    contacts = load_contacts().template_vars()
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
        dispatcher.utter_message(response="utter_cannot_look_up", **contacts)
        return []
    values = {**contacts, "staffed_hours": answer.get("staffed_hours") or ""}
    if answer.get("decision") == "open":
        # the marker lets channels that can (WeChat's customer service) transfer the chat; it is
        # wrapped in "data" because Rasa's socket.io channel emits custom JSON as emit() arguments
        dispatcher.utter_message(response="utter_handoff_opened", json_message={"data": {"handoff": True}}, **values)
        return [SlotSet("handoff_active", True)]
    full = answer.get("decision") == "full"
    dispatcher.utter_message(response="utter_handoff_full" if full else "utter_handoff_closed", **values)
    if answer.get("message_left"):
        wechat = tracker.get_latest_input_channel() == "wechat"
        dispatcher.utter_message(
            response="utter_handoff_message_left_wechat" if wechat else "utter_handoff_message_left", **values
        )
    else:
        dispatcher.utter_message(response="utter_handoff_no_message", **values)
    return []


def entity(tracker: Tracker, name: str) -> str:
    return next(tracker.get_latest_entity_values(name), None) or ""


class ActionHandoff(Action):
    def name(self) -> Text:
        return "action_handoff"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        return await open_handoff(dispatcher, tracker, "用户要求转人工")


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
            dispatcher.utter_message(response="utter_anything_else")
            return []
        dispatcher.utter_message(response="utter_handoff_cancelled")
        return [SlotSet("handoff_active", False)]


class ActionRecordRating(Action):
    """满意 / 一般 / 不满意: the tap itself (intent `rate`, entity `rating`) is the record."""

    def name(self) -> Text:
        return "action_record_rating"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        if entity(tracker, "rating") in ("good", "ok", "bad"):
            dispatcher.utter_message(response="utter_rating_thanks")
        return []
