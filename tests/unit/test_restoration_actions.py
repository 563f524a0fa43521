"""A sign-up that declines a notification in the same breath is asked, never signed up."""

import asyncio

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

import actions.restoration as restoration
from bot.nlu.cues import negates_notice


def tracker(text: str) -> Tracker:
    return Tracker(
        "u1",
        {},
        {"text": text, "intent": {"name": "subscribe_restoration"}, "entities": [], "metadata": {}},
        [{"event": "user", "text": text, "input_channel": "socketio"}],
        False,
        None,
        {},
        "action_listen",
    )


@pytest.mark.parametrize(
    "text, declined",
    [
        ("恢复的时候不用提醒我了", True),
        ("恢复通知我不要了", True),
        ("恢復咗唔使通知我", True),
        ("stop the notifications", True),
        ("恢复了通知我", False),
        ("有进展了通知我一声", False),
        ("/subscribe_restoration", False),
        ("remind me when it's back", False),
    ],
)
def test_negates_notice(text, declined):
    assert negates_notice(text) is declined


def test_a_declined_notification_is_asked_about_and_nothing_is_recorded(monkeypatch):
    def no_web_app():
        raise AssertionError("nothing may be signed up")

    monkeypatch.setattr(restoration, "web_app", no_web_app)
    monkeypatch.setattr(restoration, "default_client", no_web_app)
    events = asyncio.run(
        restoration.ActionSubscribeRestoration().run(CollectingDispatcher(), tracker("恢复的时候不用提醒我了"), {})
    )
    assert events == [{"event": "slot", "timestamp": None, "name": "subscription_outcome", "value": "which"}]
