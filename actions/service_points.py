"""The service-point finder: a form that asks for the district unless a location came along."""

from functools import lru_cache
from pathlib import Path
from typing import Any, Dict, List, Optional, Text, Tuple

import yaml
from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.language import language
from bot.service_points import phrasing
from bot.service_points.districts import DISTRICTS, canonical_district
from bot.service_points.source import current_points
from bot.service_points.store import in_district, nearest

DOMAIN_FILE = Path(__file__).resolve().parents[1] / "domain.yml"

# Intents whose message, when it names no district, is taken as an unknown place.
PLACE_ANSWER_INTENTS = {"find_service_point", "out_of_scope", "nlu_fallback", "affirm"}


def named_place(tracker: Tracker) -> Optional[Text]:
    """A place outside Guangzhou named in the latest message (entity `place`)."""
    return next(tracker.get_latest_entity_values("place"), None)


def district_buttons(lang: Text = "zh") -> List[Dict[Text, Text]]:
    return [
        {
            "title": phrasing.DISTRICT_NAMES[d] if lang == "en" else d,
            "payload": '/find_service_point{"district":"%s"}' % d,
        }
        for d in DISTRICTS
    ]


def message_location(tracker: Tracker) -> Optional[Tuple[float, float]]:
    """(latitude, longitude) sent as message metadata by the widget or WeChat."""
    metadata = (tracker.latest_message or {}).get("metadata") or {}
    location = metadata.get("location") if isinstance(metadata.get("location"), dict) else metadata
    if not isinstance(location, dict):
        return None
    try:
        latitude, longitude = float(location["latitude"]), float(location["longitude"])
    except (KeyError, TypeError, ValueError):
        return None
    if -90 <= latitude <= 90 and -180 <= longitude <= 180:
        return latitude, longitude
    return None


@lru_cache(maxsize=1)
def _forms() -> Dict[Text, Any]:
    """domain.yml's forms, read once (with libyaml's parser: the file is ~100 KB)."""
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    return (yaml.load(DOMAIN_FILE.read_text(encoding="utf-8"), Loader=loader) or {}).get("forms") or {}


def form_slots(form: Text) -> List[Text]:
    """A form's required slots as domain.yml lists them."""
    return list((_forms().get(form) or {}).get("required_slots") or [])


class ValidateServicePointForm(FormValidationAction):
    def name(self) -> Text:
        return "validate_service_point_form"

    def domain_slots(self, domain: DomainDict) -> List[Text]:
        """The form's slots from domain.yml: Rasa does not send its ~100 KB domain with every
        validation (domain.yml: no `send_domain`), which cost both servers milliseconds a call."""
        return form_slots(self.form_name())

    async def required_slots(
        self,
        domain_slots: List[Text],
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> List[Text]:
        return [] if message_location(tracker) else domain_slots

    async def extract_district(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        """A reply naming no Guangzhou district still counts as an answer: asked again."""
        if tracker.get_slot("requested_slot") != "district":
            return {}
        entities = tracker.get_latest_entity_values("district")
        intent = (tracker.latest_message.get("intent") or {}).get("name")
        if next(entities, None) is None and (intent in PLACE_ANSWER_INTENTS or named_place(tracker)):
            return {"district": None}
        return {}

    def validate_district(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        return {"district": canonical_district(value if isinstance(value, str) else None)}


_forms()  # when the action server starts, not at the first visitor's question


class ActionAskDistrict(Action):
    def name(self) -> Text:
        return "action_ask_district"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        asked_before = tracker.get_slot("requested_slot") == "district"
        lang = language(tracker)
        dispatcher.utter_message(
            text=phrasing.ask_district(unrecognised=asked_before, place=named_place(tracker), lang=lang),
            buttons=district_buttons(lang),
        )
        return []


class ActionFindServicePoint(Action):
    def name(self) -> Text:
        return "action_find_service_point"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        points = await current_points()
        location = message_location(tracker)
        district = canonical_district(tracker.get_slot("district"))
        found = nearest(points, *location) if location else []
        lang = language(tracker)
        if found:
            dispatcher.utter_message(text=phrasing.describe_nearest(found, lang))
        elif location:  # no point has coordinates yet: fall back to the district
            dispatcher.utter_message(text=phrasing.describe_nearest(found, lang), buttons=district_buttons(lang))
        elif district:
            dispatcher.utter_message(text=phrasing.describe_district(district, in_district(points, district), lang))
        else:
            dispatcher.utter_message(
                text=phrasing.ask_district(unrecognised=True, place=named_place(tracker), lang=lang),
                buttons=district_buttons(lang),
            )
        return [SlotSet("district", None)]
