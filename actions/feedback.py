"""有帮助/没帮助 (buttons, or typed): the message itself (intent `feedback`, entity `helpful`) is the record."""

from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher


class ActionRecordFeedback(Action):
    """Says nothing: the widget thanks the visitor, the tracker keeps the rating."""

    def name(self) -> Text:
        return "action_record_feedback"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        return []
