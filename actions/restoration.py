"""Restoration notices: subscribe and unsubscribe (the notice itself is a server event the web
app writes, bot/status/notifier.py). Each action sets `subscription_outcome`; the rules in
data/rules/restoration.yml pick what the visitor hears."""

import logging
from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot.nlu.cues import negates_notice
from bot.status.client import default_client
from bot.web.client import WebAppError, web_app

logger = logging.getLogger(__name__)


# What the sign-up says, by the channel the notice would go out on (the visitor's latest).
SUBSCRIBED_OUTCOMES = {"socketio": "subscribed_web", "wechat": "subscribed_wechat"}
# Channels that cannot send anything later (the REST API answers only the request it got).
CANNOT_NOTIFY_CHANNELS = {"rest", "collector", "cmdline"}


def outcome(value: str) -> Dict[Text, Any]:
    return SlotSet("subscription_outcome", value)


class ActionSubscribeRestoration(Action):
    def name(self) -> Text:
        return "action_subscribe_restoration"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        if negates_notice(tracker.latest_message.get("text") or ""):
            # "恢复了不用提醒我": the words of signing up, declined; the visitor picks
            return [outcome("which")]
        reading = await default_client().read()
        if reading.fresh and reading.value and reading.value.state == "normal":
            return [SlotSet("outage_state", "normal"), outcome("already_restored")]
        channel = tracker.get_latest_input_channel() or ""
        if channel in CANNOT_NOTIFY_CHANNELS:
            return [outcome("cannot_notify_here")]
        try:
            await web_app().subscribe(tracker.sender_id, channel)
        except WebAppError as problem:
            logger.error("subscription for %s not recorded: %s", tracker.sender_id, problem)
            return [outcome("unreachable")]
        return [outcome(SUBSCRIBED_OUTCOMES.get(channel, "subscribed"))]


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
            return [outcome("unreachable")]
        return [outcome("unsubscribed" if removed else "not_subscribed")]
