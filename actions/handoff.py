"""Hand-off to a human: open it in the staff queue (staff replies and the release are server
events the web app writes, bot/conversations/server_events.py)."""
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


class ActionHandoff(Action):
    def name(self) -> Text:
        return "action_handoff"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        return await open_handoff(dispatcher, tracker, "用户要求转人工")
