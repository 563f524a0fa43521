"""The live outage status, read from STATUS_URL; never a date from training data."""

from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.language import language
from bot.status import phrasing
from bot.status.client import StatusReading, default_client


def status_slots(reading: StatusReading, lang: Text = "zh") -> List[Dict[Text, Any]]:
    """`outage_state` and `status_line` from a reading, as events (bot.status.phrasing.status_slots)."""
    return [SlotSet(name, value) for name, value in phrasing.status_slots(reading, lang).items()]


def status_buttons(state: Optional[str], lang: Text = "zh") -> List[Dict[Text, Text]]:
    """Sign-up only while the service is not back; the urgent answer only while it is down."""
    en = lang == "en"
    if state == "normal":
        return [
            {
                "title": "What to do now it is back" if en else "恢复后要做什么",
                "payload": '/faq{"faq_topic":"after_recovery"}',
            }
        ]
    return [
        {
            "title": "I need an invoice urgently" if en else "急需开票怎么办",
            "payload": '/faq{"faq_topic":"urgent_invoice"}',
        },
        {"title": "Notify me when it is back" if en else "恢复了通知我", "payload": "/subscribe_restoration"},
    ]


class ActionOutageStatus(Action):
    def name(self) -> Text:
        return "action_outage_status"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        reading = await default_client().read()
        state = reading.value.state if reading.value else None
        lang = language(tracker)
        dispatcher.utter_message(text=phrasing.describe(reading, lang=lang), buttons=status_buttons(state, lang))
        return status_slots(reading, lang)
