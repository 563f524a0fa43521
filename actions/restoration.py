"""Restoration notices: subscribe and unsubscribe (the notice itself is a server event the web
app writes, bot/status/notifier.py)."""

import logging
from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot.contacts import load_contacts
from bot.status.client import default_client
from bot.web.client import WebAppError, web_app

logger = logging.getLogger(__name__)


# What the sign-up says, by the channel the notice would go out on (the visitor's latest).
SUBSCRIBED_RESPONSES = {"socketio": "utter_subscribed_web", "wechat": "utter_subscribed_wechat"}
# Channels that cannot send anything later (the REST API answers only the request it got).
CANNOT_NOTIFY_CHANNELS = {"rest", "collector", "cmdline"}


class ActionSubscribeRestoration(Action):
    def name(self) -> Text:
        return "action_subscribe_restoration"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        reading = await default_client().read()
        if reading.fresh and reading.value and reading.value.state == "normal":
            dispatcher.utter_message(response="utter_already_restored")
            return [SlotSet("outage_state", "normal")]
        channel = tracker.get_latest_input_channel() or ""
        if channel in CANNOT_NOTIFY_CHANNELS:
            dispatcher.utter_message(response="utter_cannot_notify_here", **load_contacts().template_vars())
            return []
        try:
            await web_app().subscribe(tracker.sender_id, channel)
        except WebAppError as problem:
            logger.error("subscription for %s not recorded: %s", tracker.sender_id, problem)
            dispatcher.utter_message(response="utter_cannot_look_up", **load_contacts().template_vars())
            return []
        dispatcher.utter_message(response=SUBSCRIBED_RESPONSES.get(channel, "utter_subscribed"))
        return []


class ActionUnsubscribeRestoration(Action):
    def name(self) -> Text:
        return "action_unsubscribe_restoration"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        try:
            removed = await web_app().unsubscribe(tracker.sender_id)
        except WebAppError as problem:
            logger.error("subscription for %s not cancelled: %s", tracker.sender_id, problem)
            dispatcher.utter_message(response="utter_cannot_look_up", **load_contacts().template_vars())
            return []
        dispatcher.utter_message(response="utter_unsubscribed" if removed else "utter_not_subscribed")
        return []
