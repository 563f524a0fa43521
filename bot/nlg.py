"""Rasa's response generator, with the live outage status of this turn (endpoints.yml `nlg:`).

Why: an answer that speaks of the suspension has variants chosen by the slot `outage_state`
and shows `{status_line}` (see the comment above the responses in domain.yml). Rasa renders a
response from the tracker's slots, so every such answer used to run `action_refresh_status`
first: a call to the action server shipping the tracker, its events saved, and one more policy
prediction, about a third of what a message cost. Here the Rasa server reads the status itself
(the same feed the actions read: `bot.status.client`, every read revalidated with its ETag)
when, and only when, it renders a response that depends on it, so the answer still follows
the status of the very turn it is given in. Every response is rendered here: the `utter_*`
actions and the responses the custom actions dispatch by name.

Everything else is Rasa's `TemplatedNaturalLanguageGenerator`: the same variant choice
(conditions, channels), the same filling of `{slot}` placeholders and action arguments.
"""

from __future__ import annotations

from typing import Any, Dict, FrozenSet, List, Optional, Text

from rasa.core.nlg import TemplatedNaturalLanguageGenerator
from rasa.shared.core.domain import Domain
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import EndpointConfig

from bot.status import phrasing
from bot.status.client import default_client

STATUS_SLOTS = ("outage_state", "status_line")


def status_dependent(responses: Dict[Text, List[Dict[Text, Any]]]) -> FrozenSet[Text]:
    """The responses whose variant or text depends on the status slots."""

    def depends(variant: Dict[Text, Any]) -> bool:
        if any(c.get("name") in STATUS_SLOTS for c in variant.get("condition") or []):
            return True
        return any(f"{{{slot}}}" in str(variant) for slot in STATUS_SLOTS)

    return frozenset(name for name, variants in responses.items() if any(depends(v) for v in variants))


class LiveStatusNaturalLanguageGenerator(TemplatedNaturalLanguageGenerator):
    """The domain's responses; those that depend on the status rendered with a live reading."""

    live: FrozenSet[Text] = frozenset()

    def __init__(self, endpoint_config: Optional[EndpointConfig] = None, domain: Optional[Domain] = None) -> None:
        super().__init__((domain or Domain.empty()).responses)

    @property
    def responses(self) -> Dict[Text, List[Dict[Text, Any]]]:
        return self._responses

    @responses.setter
    def responses(self, responses: Dict[Text, List[Dict[Text, Any]]]) -> None:
        """Rasa's agent sets the model's responses once the model is loaded (Agent.load_model)."""
        self._responses = responses
        self.live = status_dependent(responses)

    async def generate(
        self, utter_action: Text, tracker: DialogueStateTracker, output_channel: Text, **kwargs: Any
    ) -> Optional[Dict[Text, Any]]:
        filled_slots = tracker.current_slot_values()
        if utter_action in self.live:
            lang = "en" if filled_slots.get("language") == "en" else "zh"
            filled_slots.update(phrasing.status_slots(await default_client().read(), lang))
        return self.generate_from_slots(utter_action, filled_slots, output_channel, **kwargs)
