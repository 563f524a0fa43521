"""Turns an unsure FAQ prediction into `nlu_fallback`, as FallbackClassifier does for intents.

Why: the intent can be confidently `faq` while the response selector hesitates between two
answers or trusts none (Rasa issues #9723/#9751). Rasa's FallbackClassifier only looks at
the intent; this component looks at the response ranking too (bot.faq.decision), so a
clear FAQ goes to the stock `utter_faq` and an unsure one to the fallback action, which
asks "您是想问" or says what the assistant can help with. The ranking is kept intact.
"""

from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.shared.constants import DEFAULT_NLU_FALLBACK_INTENT_NAME
from rasa.shared.nlu.constants import (
    ENTITIES,
    INTENT,
    INTENT_NAME_KEY,
    INTENT_RANKING_KEY,
    PREDICTED_CONFIDENCE_KEY,
)
from rasa.shared.nlu.training_data.message import Message

from bot.faq.decision import ANSWER, Thresholds, decide


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class FaqAnswerFallback(GraphComponent, IntentClassifier):
    """`faq` whose answer is not clear -> `nlu_fallback` (ranking and selector kept)."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        # min_confidence, clarify_floor and clarify_margin are given in config.yml (their one place)
        return {"retrieval_intent": "faq"}

    def __init__(self, config: Dict[Text, Any]) -> None:
        self._config = {**self.get_default_config(), **config}
        self._thresholds = Thresholds.from_config(self._config)

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> FaqAnswerFallback:
        return cls(config)

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            intent = message.get(INTENT) or {}
            if intent.get(INTENT_NAME_KEY) != self._config["retrieval_intent"]:
                continue
            ranking: List[Dict[Text, Any]] = message.get(INTENT_RANKING_KEY) or []
            parse = {
                INTENT: intent,
                INTENT_RANKING_KEY: ranking,
                ENTITIES: message.get(ENTITIES) or [],
                "response_selector": message.get("response_selector") or {},
            }
            if decide(parse, thresholds=self._thresholds).kind == ANSWER:
                continue
            fallback = {
                INTENT_NAME_KEY: DEFAULT_NLU_FALLBACK_INTENT_NAME,
                PREDICTED_CONFIDENCE_KEY: intent.get(PREDICTED_CONFIDENCE_KEY, 0.0),
            }
            message.set(INTENT, fallback, add_to_output=True)
            message.set(INTENT_RANKING_KEY, [fallback, *ranking], add_to_output=True)
        return messages
