"""Hand-off to a human: open it in the staff queue, staff replies, and the release."""
import logging
from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot.contacts import load_contacts
from bot.web.client import WebAppError, web_app
from bot.wecom.staff_notify import recent_questions

logger = logging.getLogger(__name__)


async def open_handoff(dispatcher: CollectingDispatcher, tracker: Tracker, reason: str) -> List[Dict[Text, Any]]:
    """Queue the conversation for staff; the user hears it (and the hotline)."""
    question = "\n".join(recent_questions(tracker.events))  # for the staff notification
    try:
        await web_app().open_handoff(tracker.sender_id, reason, tracker.get_latest_input_channel() or "", question)
    except WebAppError as problem:  # no queue, no promise of a person: the hotline instead
        logger.error("hand-off for %s not opened: %s", tracker.sender_id, problem)
        dispatcher.utter_message(response="utter_cannot_look_up", **load_contacts().template_vars())
        return []
    # the marker lets channels that can (WeChat's customer service) transfer the chat; it is
    # wrapped in "data" because Rasa's socket.io channel emits custom JSON as emit() arguments
    dispatcher.utter_message(
        response="utter_handoff_opened", json_message={"data": {"handoff": True}},
        **load_contacts().template_vars()
    )
    return [SlotSet("handoff_active", True)]


def is_external(tracker: Tracker) -> bool:
    """True for events the web app triggered through Rasa's API, never for typed payloads."""
    return bool((tracker.latest_message.get("metadata") or {}).get("is_external"))


def entity(tracker: Tracker, name: str) -> str:
    return next(tracker.get_latest_entity_values(name), None) or ""


class ActionHandoff(Action):
    def name(self) -> Text:
        return "action_handoff"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        return await open_handoff(dispatcher, tracker, "用户要求转人工")


class ActionStaffReply(Action):
    """A staff member's reply, sent by the console into the user's own channel."""

    def name(self) -> Text:
        return "action_staff_reply"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        text = entity(tracker, "staff_text").strip()
        if is_external(tracker) and text:
            dispatcher.utter_message(response="utter_staff_reply", staff_text=text)
        return []


class ActionReleaseHandoff(Action):
    """Staff hand the conversation back to the bot."""

    def name(self) -> Text:
        return "action_release_handoff"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        if not is_external(tracker):
            return []
        # the marker lets channels that transferred the chat (微信客服) give it back to the bot
        dispatcher.utter_message(response="utter_handoff_released", json_message={"data": {"handoff_released": True}})
        return [SlotSet("handoff_active", False)]
