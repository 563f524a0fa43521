"""FAQ answers: the chosen topic's response, or "您是想问" when two topics are close."""
from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.misses import handle_miss, utter_clarification
from bot.contacts import load_contacts
from bot.faq.catalogue import load_catalogue
from bot.faq.decision import ANSWER, CLARIFY, decide
from bot.status.client import default_client

RESTORED_URGENT_RESPONSE = "utter_urgent_invoice_restored"


class ActionAnswerFaq(Action):
    def name(self) -> Text:
        return "action_answer_faq"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        catalogue = load_catalogue()
        decision = decide(tracker.latest_message, catalogue)
        contacts = load_contacts().template_vars()
        if decision.kind == CLARIFY:
            utter_clarification(dispatcher, list(decision.topics))
            return []
        if decision.kind != ANSWER:
            return handle_miss(dispatcher, tracker, contacts)

        topic = decision.topics[0]
        events: List[Dict[Text, Any]] = []
        response = catalogue[topic].response
        if topic == "urgent_invoice":
            # With the service back, "网上开不了发票怎么办" must not send people to the hall first.
            reading = await default_client().read()
            if reading.status:
                events.append(SlotSet("outage_state", reading.status.state))
                if reading.status.state == "normal":
                    response = RESTORED_URGENT_RESPONSE
        dispatcher.utter_message(response=response, **contacts)
        return events
