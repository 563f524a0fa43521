"""FAQ answers for buttons that name their topic (/faq{"faq_topic": ...}).

NLU-classified FAQs are answered by the stock `utter_faq`; this action serves the menu and
"您是想问" buttons. Both are rendered by the Rasa server's response generator (bot/nlg.py), which
picks the answer's variant for the live state (`outage_state`) read in the same turn.
"""

from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import FollowupAction
from rasa_sdk.executor import CollectingDispatcher

from bot.contacts import load_contacts
from bot.faq.catalogue import load_catalogue
from bot.faq.decision import button_topic


class ActionAnswerFaq(Action):
    def name(self) -> Text:
        return "action_answer_faq"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        catalogue = load_catalogue()
        contacts = load_contacts().template_vars()
        topic = button_topic(tracker.latest_message, catalogue)
        if topic is None:  # a button naming no topic we know: a miss like any other
            return [FollowupAction("action_handle_miss")]
        dispatcher.utter_message(response=catalogue[topic].response, **contacts)
        return []
