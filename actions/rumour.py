"""A rumour about the service ("听说X号恢复是真的吗"): answered from the live status only.

Never confirms a date itself: the visitor reads that rumours cannot be verified here, then
exactly what the live status holds (action_outage_status's text and buttons).
"""

from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.outage_status import ActionOutageStatus


class ActionRumourCheck(Action):
    def name(self) -> Text:
        return "action_rumour_check"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        dispatcher.utter_message(response="utter_rumour_check")
        return await ActionOutageStatus().run(dispatcher, tracker, domain)
