"""Events only the server writes into a conversation: staff replies, the hand-back to the bot,
restoration notices.

They are appended through Rasa's HTTP API (`POST /conversations/{id}/tracker/events` with
`execute_side_effects` and `output_channel=latest`, see RasaApi.append_events): Rasa records
them in the conversation and sends their bot messages on the user's own channel (the widget's
socket, WeChat's customer-service API). No intent is involved, so nothing a visitor types or
sends can produce them. Their words are in server_messages.yml beside this module (they are not
the dialogue's responses: no rule or policy predicts them), in the domain's response format and
filled by Rasa's own NLG with the conversation's slots, so response variants (by slot or
channel) apply as for any answer; the rating question after a release is the domain's.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any, Dict, List, Optional

import yaml
from rasa.core.nlg.response import TemplatedNaturalLanguageGenerator

DOMAIN_FILE = Path(__file__).resolve().parents[2] / "domain.yml"
SERVER_MESSAGES_FILE = Path(__file__).resolve().with_name("server_messages.yml")
MESSAGE_KEYS = ("elements", "quick_replies", "buttons", "attachment", "image", "custom")


def responses(path: Path) -> Dict[str, Any]:
    return (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("responses") or {}


@lru_cache(maxsize=1)
def _nlg() -> TemplatedNaturalLanguageGenerator:
    return TemplatedNaturalLanguageGenerator({**responses(DOMAIN_FILE), **responses(SERVER_MESSAGES_FILE)})


def bot_uttered(
    response: str,
    slots: Dict[str, Any],
    channel: Optional[str],
    metadata: Optional[Dict[str, Any]] = None,
    **values: Any,
) -> Dict[str, Any]:
    """A BotUttered event (as JSON) with the domain response `response`, filled."""
    message = _nlg().generate_from_slots(response, slots, channel or "", **values)
    if message is None:
        raise KeyError(f"{response} is neither a server message nor a response in {DOMAIN_FILE.name}")
    return {
        "event": "bot",
        "text": message.get("text"),
        "data": {key: message.get(key) for key in MESSAGE_KEYS},
        "metadata": {"utter_action": response, "server_event": True, **(metadata or {})},
    }


def text_uttered(text: str, metadata: Dict[str, Any]) -> Dict[str, Any]:
    return {"event": "bot", "text": text, "data": {}, "metadata": {"server_event": True, **metadata}}


def slot_set(name: str, value: Any) -> Dict[str, Any]:
    return {"event": "slot", "name": name, "value": value}


def staff_reply(text: str, staff: str, slots: Dict[str, Any], channel: Optional[str]) -> List[Dict[str, Any]]:
    """A staff member's reply ("【人工客服】…"); the transcript shows it as staff's."""
    return [bot_uttered("utter_staff_reply", slots, channel, {"staff": staff}, staff_text=text)]


# the outcomes after which the visitor is asked to rate the conversation
RATING_OUTCOMES = ("answered",)


def handoff_released(
    staff: str, slots: Dict[str, Any], channel: Optional[str], outcome: str = ""
) -> List[Dict[str, Any]]:
    """Staff hand the conversation back: the bot answers again (HandoffPolicy reads the slot);
    after an answered conversation the visitor is asked for a rating.

    The custom marker lets channels that transferred the chat (微信客服) give it back to the bot;
    it is wrapped in "data" as the hand-off's own marker is (bot/wechat/render.py)."""
    released = bot_uttered("utter_handoff_released", slots, channel, {"staff": staff, "outcome": outcome})
    released["data"]["custom"] = {"data": {"handoff_released": True}}
    events = [slot_set("handoff_active", False), released]
    if outcome in RATING_OUTCOMES:
        events.append(bot_uttered("utter_ask_rating", slots, channel))
    return events


def restoration_notice(
    status_text: str, state: Optional[str], slots: Dict[str, Any], channel: Optional[str]
) -> List[Dict[str, Any]]:
    """The one notice a subscriber gets when the service is back, with the live status."""
    return [
        bot_uttered("utter_restoration_notice", slots, channel),
        text_uttered(status_text, {"restoration_notice": True}),
        slot_set("outage_state", state),
    ]
