"""Unanswered messages: say what the bot can do; after two misses in a row, hand over to a human."""

from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.handoff import open_handoff
from actions.language import language
from bot.contacts import load_contacts
from bot.faq.catalogue import choice, load_catalogue
from bot.faq.decision import clarify_options, trailing_misses

MISSES_BEFORE_HUMAN = 2


def is_typed_fallback(parse: Dict[Text, Any]) -> bool:
    """ "/nlu_fallback" typed as a payload: not a question the bot missed, so not counted."""
    return str(parse.get("text") or "").strip().startswith("/nlu_fallback")


def user_parses(tracker: Tracker) -> List[Dict[Text, Any]]:
    parses = [e.get("parse_data") or {} for e in tracker.events if e.get("event") == "user"]
    return [parse for parse in parses if not is_typed_fallback(parse)]


def utter_clarification(dispatcher: CollectingDispatcher, labels: List[Text], lang: Text = "zh") -> None:
    """ "您是想问：" with the close candidates (FAQ topics or intents) as buttons."""
    choices = [c for c in (choice(label, lang) for label in labels) if c]
    dispatcher.utter_message(
        response="utter_clarify",
        buttons=[{"title": title, "payload": payload} for title, payload in choices],
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
    """For nlu_fallback and out_of_scope; an unsure in-domain message is clarified, never declined."""

    def name(self) -> Text:
        return "action_handle_miss"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        parse = tracker.latest_message
        if (parse.get("intent") or {}).get("name") == "nlu_fallback":
            options = clarify_options(parse, load_catalogue())
            if options:
                utter_clarification(dispatcher, list(options), language(tracker))
                return []
        return await handle_miss(dispatcher, tracker, load_contacts().template_vars())
