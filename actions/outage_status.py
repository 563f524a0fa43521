"""The live outage status, read from STATUS_URL; never a date from training data."""
from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.language import language
from bot.status import phrasing, phrasing_en
from bot.status.client import default_client


class ActionOutageStatus(Action):
    def name(self) -> Text:
        return "action_outage_status"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        reading = await default_client().read()
        state = reading.value.state if reading.value else None
        english = language(tracker) == "en"
        buttons = [{"title": "Notify me when it is back" if english else "恢复了通知我",
                    "payload": "/subscribe_restoration"}]
        if state != "normal":
            buttons.insert(0, {"title": "I need an invoice urgently" if english else "急需开票怎么办",
                               "payload": '/faq{"faq_topic":"urgent_invoice"}'})
        describe = phrasing_en.describe if english else phrasing.describe
        dispatcher.utter_message(text=describe(reading), buttons=buttons)
        return [SlotSet("outage_state", state)]
