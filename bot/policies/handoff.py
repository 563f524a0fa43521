"""While a human has the conversation, the bot only says "已转人工，请稍候".

Why a policy: the hand-off is a state of the conversation (the `handoff_active` slot), not a
turn pattern; one small policy with a higher priority than the rules answers every user
message in that state with the waiting message, whatever its intent, and leaves the external
events (staff replies, release), feedback and ratings to the rules. A visitor who leaves the
queue ("取消人工", or a plain "算了 / 不用了", which the NLU reads as `deny`) is released back
to the bot by the cancel action. What the visitor hears when the hand-off opens or is left is
the rules' (data/rules/handoff.yml); this policy predicts only the answer to a visitor's
message, and the rules end the turn after it.
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Text

from rasa.core.policies.policy import Policy, PolicyPrediction
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.shared.core.constants import ACTION_LISTEN_NAME
from rasa.shared.core.domain import Domain
from rasa.shared.core.generator import TrackerWithCachedStates
from rasa.shared.core.trackers import DialogueStateTracker

PASS_THROUGH_INTENTS = ("EXTERNAL_", "feedback", "rate")


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.POLICY_WITHOUT_END_TO_END_SUPPORT, is_trainable=False)
class HandoffPolicy(Policy):
    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {
            "priority": 7,
            "slot": "handoff_active",
            "wait_action": "utter_handoff_waiting",
            "cancel_intents": ["cancel_handoff", "deny"],
            "cancel_action": "action_cancel_handoff",
        }

    def train(self, training_trackers: List[TrackerWithCachedStates], domain: Domain, **kwargs: Any) -> Resource:
        return self._resource

    def predict_action_probabilities(
        self,
        tracker: DialogueStateTracker,
        domain: Domain,
        rule_only_data: Optional[Dict[Text, Any]] = None,
        **kwargs: Any,
    ) -> PolicyPrediction:
        probabilities = self._default_predictions(domain)
        intent = (tracker.latest_message.intent or {}).get("name") or "" if tracker.latest_message else ""
        if not tracker.get_slot(self.config["slot"]) or intent.startswith(PASS_THROUGH_INTENTS):
            return self._prediction(probabilities)
        if tracker.latest_action_name == ACTION_LISTEN_NAME:
            leaving = intent in self.config["cancel_intents"]
            action = self.config["cancel_action"] if leaving else self.config["wait_action"]
            probabilities[domain.index_for_action(action)] = 1.0
        # after its action the rules finish the turn (data/rules/handoff.yml: the waiting message
        # ends it; the cancel action's reply is picked from `handoff_outcome`)
        return self._prediction(probabilities)
