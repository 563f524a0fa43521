"""Follow-ups ("要排队吗", "那怎么办", "多久") answered for the topic just discussed (bot.faq.followups).

Sets `follow_up_outcome`: answered; hours_unknown when a hall's hours are asked and the operator
data has none; or unknown when nothing grounded answers it (the rules then say so,
data/rules/conversation.yml)."""

from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.language import language
from actions.misses import user_parses
from actions.outage_status import ActionOutageStatus
from actions.service_points import ActionAskDistrict, ActionFindServicePoint
from bot.contacts import load_contacts
from bot.faq.catalogue import load_catalogue
from bot.faq.followups import FINDER, HOURS, STATUS, previous_topic, resolve
from bot.service_points import phrasing
from bot.service_points.districts import canonical_district
from bot.service_points.source import current_points
from bot.service_points.store import in_district


def last_district(tracker: Tracker) -> Optional[str]:
    """The district of this conversation's latest finder question (the finder clears the slot)."""
    if tracker.get_slot("district"):
        return canonical_district(tracker.get_slot("district"))
    for event in reversed(tracker.events):
        if event.get("event") == "slot" and event.get("name") == "district" and event.get("value"):
            return canonical_district(event["value"])
    return None


class ActionFollowUp(Action):
    def name(self) -> Text:
        return "action_follow_up"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        catalogue = load_catalogue()
        previous = previous_topic(user_parses(tracker), catalogue)
        target = resolve(tracker.latest_message.get("text") or "", previous)
        answered = [SlotSet("follow_up_outcome", "answered")]
        if target == STATUS:
            return await ActionOutageStatus().run(dispatcher, tracker, domain) + answered
        if target == HOURS:
            # hours only from the operator's data, for the district just discussed if any
            points = await current_points()
            district = last_district(tracker)
            if not any(p.hours for p in (in_district(points, district) if district else points)):
                return [SlotSet("follow_up_outcome", "hours_unknown")]  # not on file: the rule says so
            if district:
                text = phrasing.describe_district(district, in_district(points, district), language(tracker))
                dispatcher.utter_message(text=text)
                return answered
            target = FINDER
        if target == FINDER:
            if tracker.get_slot("district"):
                return await ActionFindServicePoint().run(dispatcher, tracker, domain) + answered
            return await ActionAskDistrict().run(dispatcher, tracker, domain) + answered
        topic = (target or "").partition("/")[2]
        if topic in catalogue:
            dispatcher.utter_message(response=catalogue[topic].response, **load_contacts().template_vars())
            return answered
        # nothing in the guide or the operator data answers it: the rule says so
        return [SlotSet("follow_up_outcome", "unknown")]
