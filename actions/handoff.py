"""Hand-off to a human: for now the hotline from operator settings."""
from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from bot.contacts import load_contacts


class ActionHandoff(Action):
    def name(self) -> Text:
        return "action_handoff"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        # the marker tells channels that can (WeChat's customer service) to transfer the chat
        dispatcher.utter_message(
            response="utter_handoff_hotline", json_message={"handoff": True}, **load_contacts().template_vars()
        )
        return []
