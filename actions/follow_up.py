"""Follow-ups ("要排队吗", "那怎么办", "多久") answered for the topic just discussed (bot.faq.followups)."""

from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.misses import user_parses
from actions.outage_status import ActionOutageStatus
from actions.service_points import ActionAskDistrict, ActionFindServicePoint
from bot.contacts import load_contacts
from bot.faq.catalogue import load_catalogue
from bot.faq.followups import FINDER, STATUS, previous_topic, resolve


class ActionFollowUp(Action):
    def name(self) -> Text:
        return "action_follow_up"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        catalogue = load_catalogue()
        previous = previous_topic(user_parses(tracker), catalogue)
        target = resolve(tracker.latest_message.get("text") or "", previous)
        if target == STATUS:
            return await ActionOutageStatus().run(dispatcher, tracker, domain)
        if target == FINDER:
            if tracker.get_slot("district"):
                return await ActionFindServicePoint().run(dispatcher, tracker, domain)
            return await ActionAskDistrict().run(dispatcher, tracker, domain)
        contacts = load_contacts().template_vars()
        topic = (target or "").partition("/")[2]
        if topic in catalogue:
            dispatcher.utter_message(response=catalogue[topic].response, **contacts)
        else:  # nothing in the guide or the operator data answers it: say so
            dispatcher.utter_message(response="utter_follow_up_unknown", **contacts)
        return []
