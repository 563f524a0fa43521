"""FAQ answers for buttons that name their topic (/faq{"faq_topic": ...}).

NLU-classified FAQs are answered by the stock `utter_faq`; this action serves the menu and
"您是想问" buttons, and picks the restored-service variant of the urgent-invoice answer from
the live status.
"""
from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.misses import handle_miss
from bot.contacts import load_contacts
from bot.faq.catalogue import load_catalogue
from bot.faq.decision import button_topic
from bot.status.client import default_client

RESTORED_URGENT_RESPONSE = "utter_urgent_invoice_restored"


class ActionAnswerFaq(Action):
    def name(self) -> Text:
        return "action_answer_faq"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        catalogue = load_catalogue()
        contacts = load_contacts().template_vars()
        topic = button_topic(tracker.latest_message, catalogue)
        if topic is None:
            return await handle_miss(dispatcher, tracker, contacts)

        events: List[Dict[Text, Any]] = []
        response = catalogue[topic].response
        if topic == "urgent_invoice":
            # With the service back, "网上开不了发票怎么办" must not send people to the hall first.
            reading = await default_client().read()
            if reading.value:
                events.append(SlotSet("outage_state", reading.value.state))
                if reading.value.state == "normal":
                    response = RESTORED_URGENT_RESPONSE
        dispatcher.utter_message(response=response, **contacts)
        return events
