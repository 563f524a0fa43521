"""Restoration notices: subscribe and unsubscribe (the notice itself is a server event the web
app writes, bot/status/notifier.py)."""
from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot.status.client import default_client
from bot.stores import status_store


class ActionSubscribeRestoration(Action):
    def name(self) -> Text:
        return "action_subscribe_restoration"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        reading = await default_client().read()
        if reading.fresh and reading.value and reading.value.state == "normal":
            dispatcher.utter_message(response="utter_already_restored")
            return [SlotSet("outage_state", "normal")]
        status_store().subscribe(tracker.sender_id, tracker.get_latest_input_channel() or "")
        dispatcher.utter_message(response="utter_subscribed")
        return []


class ActionUnsubscribeRestoration(Action):
    def name(self) -> Text:
        return "action_unsubscribe_restoration"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        removed = status_store().unsubscribe(tracker.sender_id)
        dispatcher.utter_message(response="utter_unsubscribed" if removed else "utter_not_subscribed")
        return []

