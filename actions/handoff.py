"""Hand-off to a human: open it (or say honestly why no one can answer now), staff replies,
the release, and the visitor leaving the queue."""
from datetime import datetime, timezone
from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot.contacts import load_contacts
from bot.handoffs.staffing import LATER_REPLY, load_staffing
from bot.stores import handoff_store

RATING_OUTCOMES = ("answered",)


def _first_line(tracker: Tracker) -> str:
    """The visitor's own words that led here (not a button payload)."""
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            text = (event.get("text") or "").strip()
            if text and not text.startswith("/"):
                return text
    return ""


def open_handoff(dispatcher: CollectingDispatcher, tracker: Tracker, reason: str) -> List[Dict[Text, Any]]:
    """Queue the conversation for staff when someone can answer; otherwise the hotline and,
    where the channel can carry a late answer, a question left for staff."""
    contacts = load_contacts().template_vars()
    staffing = load_staffing()
    store = handoff_store()
    channel = tracker.get_latest_input_channel() or ""
    # the status at the time is read from the status history by the console
    details = {"first_line": _first_line(tracker), "language": tracker.get_slot("language") or "zh"}
    already = store.open_for(tracker.sender_id)
    decision = "open" if already and already.kind == "live" else staffing.decide(
        datetime.now(timezone.utc), store.queue_length())
    values = {**contacts, "staffed_hours": staffing.describe()}
    if decision == "open":
        store.open(tracker.sender_id, reason, channel, **details)
        # the marker lets channels that can (WeChat's customer service) transfer the chat; it is
        # wrapped in "data" because Rasa's socket.io channel emits custom JSON as emit() arguments
        dispatcher.utter_message(response="utter_handoff_opened", json_message={"data": {"handoff": True}}, **values)
        return [SlotSet("handoff_active", True)]
    response = "utter_handoff_closed" if decision == "closed" else "utter_handoff_full"
    later = LATER_REPLY.get(channel)
    if later:
        store.open(tracker.sender_id, f"留言：{reason}", channel, kind="message", **details)
        dispatcher.utter_message(response=response, **values)
        dispatcher.utter_message(response="utter_handoff_message_left", later_reply=later, **values)
    else:
        dispatcher.utter_message(response=response, **values)
        dispatcher.utter_message(response="utter_handoff_no_message", **values)
    return []


def is_external(tracker: Tracker) -> bool:
    """True for events the web app triggered through Rasa's API, never for typed payloads."""
    return bool((tracker.latest_message.get("metadata") or {}).get("is_external"))


def entity(tracker: Tracker, name: str) -> str:
    return next(tracker.get_latest_entity_values(name), None) or ""


class ActionHandoff(Action):
    def name(self) -> Text:
        return "action_handoff"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        return open_handoff(dispatcher, tracker, "用户要求转人工")


class ActionStaffReply(Action):
    """A staff member's reply, sent by the console into the user's own channel."""

    def name(self) -> Text:
        return "action_staff_reply"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        text = entity(tracker, "staff_text").strip()
        if is_external(tracker) and text:
            dispatcher.utter_message(response="utter_staff_reply", staff_text=text)
        return []


class ActionReleaseHandoff(Action):
    """Staff hand the conversation back to the bot; an answered one asks for a rating."""

    def name(self) -> Text:
        return "action_release_handoff"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        if not is_external(tracker):
            return []
        dispatcher.utter_message(response="utter_handoff_released")
        if entity(tracker, "outcome") in RATING_OUTCOMES:
            dispatcher.utter_message(response="utter_ask_rating")
        return [SlotSet("handoff_active", False)]


class ActionCancelHandoff(Action):
    """算了 / 不用了 / 取消人工: the visitor leaves the queue, staff see that they left."""

    def name(self) -> Text:
        return "action_cancel_handoff"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        left = handoff_store().visitor_left(tracker.sender_id)
        if left is None and not tracker.get_slot("handoff_active"):
            dispatcher.utter_message(response="utter_anything_else")
            return []
        dispatcher.utter_message(response="utter_handoff_cancelled")
        return [SlotSet("handoff_active", False)]


class ActionRecordRating(Action):
    """满意 / 一般 / 不满意: the tap itself (intent `rate`, entity `rating`) is the record."""

    def name(self) -> Text:
        return "action_record_rating"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        if entity(tracker, "rating") in ("good", "ok", "bad"):
            dispatcher.utter_message(response="utter_rating_thanks")
        return []
