"""Unanswered messages: say what the bot can do; after two misses in a row, hand over to a human."""
from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.handoff import open_handoff
from bot.contacts import load_contacts
from bot.faq.catalogue import load_catalogue
from bot.faq.decision import CLARIFY, decide, trailing_misses

MISSES_BEFORE_HUMAN = 2


def is_typed_fallback(parse: Dict[Text, Any]) -> bool:
    """"/nlu_fallback" typed as a payload: not a question the bot missed, so not counted."""
    return str(parse.get("text") or "").strip().startswith("/nlu_fallback")


def user_parses(tracker: Tracker) -> List[Dict[Text, Any]]:
    parses = [e.get("parse_data") or {} for e in tracker.events if e.get("event") == "user"]
    return [parse for parse in parses if not is_typed_fallback(parse)]


def utter_clarification(dispatcher: CollectingDispatcher, topics: List[Text]) -> None:
    """"您是想问：" with the close candidates as buttons."""
    catalogue = load_catalogue()
    dispatcher.utter_message(
        response="utter_clarify",
        buttons=[{"title": catalogue[t].title, "payload": catalogue[t].payload} for t in topics],
    )


async def handle_miss(
    dispatcher: CollectingDispatcher, tracker: Tracker, contacts: Dict[Text, str]
) -> List[Dict[Text, Any]]:
    """The reply to a miss; the count comes from the conversation itself, not a slot.

    A message the NLU did not understand hears so (utter_not_understood); an understood but
    unrelated one hears what the assistant covers (utter_can_help_with).
    """
    intent = (tracker.latest_message.get("intent") or {}).get("name")
    response = "utter_can_help_with" if intent == "out_of_scope" else "utter_not_understood"
    dispatcher.utter_message(response=response, **contacts)
    if trailing_misses(user_parses(tracker), load_catalogue()) >= MISSES_BEFORE_HUMAN:
        return await open_handoff(dispatcher, tracker, "连续两次未能回答")
    return []


class ActionHandleMiss(Action):
    """For nlu_fallback and out_of_scope; a near-FAQ with two close topics is clarified."""

    def name(self) -> Text:
        return "action_handle_miss"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        parse = tracker.latest_message
        decision = decide(parse, load_catalogue())
        if (parse.get("intent") or {}).get("name") == "nlu_fallback" and decision.kind == CLARIFY:
            utter_clarification(dispatcher, list(decision.topics))
            return []
        return await handle_miss(dispatcher, tracker, load_contacts().template_vars())
