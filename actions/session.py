"""Session start: the operator's contact details and the live state as slots.

Why: the stock `utter_faq` answers fill {hotline}, {tax_website} and {official_account}
from slots, and the urgent-invoice answer varies with the `outage_state` slot; setting them
once per session keeps every FAQ answer free of an action-server round trip.
"""

from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActionExecuted, SessionStarted, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot.contacts import load_contacts
from bot.status.client import default_client


class ActionSessionStart(Action):
    def name(self) -> Text:
        return "action_session_start"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        events: List[Dict[Text, Any]] = [SessionStarted()]
        metadata = tracker.get_slot("session_started_metadata")
        if metadata:
            events.append(SlotSet("session_started_metadata", metadata))
        events += [SlotSet(name, value) for name, value in load_contacts().template_vars().items()]
        reading = await default_client().read()
        if reading.value:
            events.append(SlotSet("outage_state", reading.value.state))
        events.append(ActionExecuted("action_listen"))
        return events
