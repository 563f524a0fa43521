"""Hand-off to a human: open it in the staff queue (staff replies and the release are server
events the web app writes, bot/conversations/server_events.py)."""
from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot.contacts import load_contacts
from bot.stores import handoff_store


def open_handoff(dispatcher: CollectingDispatcher, tracker: Tracker, reason: str) -> List[Dict[Text, Any]]:
    """Queue the conversation for staff; the user hears it (and the hotline)."""
    handoff_store().open(tracker.sender_id, reason, tracker.get_latest_input_channel() or "")
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
        return open_handoff(dispatcher, tracker, "用户要求转人工")

