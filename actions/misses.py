"""Unanswered messages: say what the bot can do; after two misses in a row, a human.

Two messages in a row the bot did not understand go to staff: a person can read what it could
not. Two unrelated questions in a row (the weather, 社保) only OFFER a person and point to 12366:
staff of this service cannot answer them either, and a hand-off would take their time from the
visitors they can help."""

from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.language import language
from bot.faq.catalogue import choice, load_catalogue
from bot.faq.decision import clarify_options, trailing_misses

MISSES_BEFORE_HUMAN = 2
# utter_clarify has a variant for each number of options (domain.yml)
COUNTS = {1: "one", 2: "two", 3: "three"}


def is_typed_fallback(parse: Dict[Text, Any]) -> bool:
    """ "/nlu_fallback" typed as a payload: not a question the bot missed, so not counted."""
    return str(parse.get("text") or "").strip().startswith("/nlu_fallback")


def user_parses(tracker: Tracker) -> List[Dict[Text, Any]]:
    parses = [e.get("parse_data") or {} for e in tracker.events if e.get("event") == "user"]
    return [parse for parse in parses if not is_typed_fallback(parse)]


def clarification(labels: List[Text], lang: Text = "zh") -> List[Dict[Text, Any]]:
    """ "您是想问：" with the close candidates (FAQ topics or intents) as buttons: the slots
    utter_clarify's buttons read (the rule after this action predicts it)."""
    choices = [c for c in (choice(label, lang) for label in labels) if c][:3]
    events = [SlotSet("clarify_options", COUNTS[len(choices)])]
    for number in range(1, 4):
        title, payload = choices[number - 1] if number <= len(choices) else (None, None)
        events += [SlotSet(f"clarify_title_{number}", title), SlotSet(f"clarify_payload_{number}", payload)]
    return events + [outcome("clarify")]


def miss_reply(tracker: Tracker) -> List[Dict[Text, Any]]:
    """The reply to a miss; the count comes from the conversation itself, not a slot.

    A message the NLU did not understand hears so (utter_not_understood); an understood but
    unrelated one hears what the assistant covers (utter_can_help_with). After two misses in a
    row the rules hand a not-understood conversation to staff (`not_understood_handoff`) and
    offer a person for an unrelated one (`can_help_with_offer`), data/rules/fallback.yml.
    """
    unrelated = (tracker.latest_message.get("intent") or {}).get("name") == "out_of_scope"
    reply = "can_help_with" if unrelated else "not_understood"
    if trailing_misses(user_parses(tracker), load_catalogue()) >= MISSES_BEFORE_HUMAN:
        return [outcome(f"{reply}_offer" if unrelated else f"{reply}_handoff")]
    return [outcome(reply)]


def outcome(value: str) -> Dict[Text, Any]:
    return SlotSet("miss_outcome", value)


class ActionHandleMiss(Action):
    """For nlu_fallback and out_of_scope (and Rasa's core fallback): an unsure in-domain message
    is clarified, never declined. Sets `miss_outcome`; the rules pick the reply."""

    def name(self) -> Text:
        return "action_handle_miss"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        parse = tracker.latest_message
        if (parse.get("intent") or {}).get("name") == "nlu_fallback":
            options = clarify_options(parse, load_catalogue())
            if options and any(choice(label) for label in options):
                return clarification(list(options), language(tracker))
        return miss_reply(tracker)
