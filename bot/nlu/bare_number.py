"""A message that is only a number ("2", "２", "第3个", "选1") asks nothing: `nlu_fallback`.

Why: WeChat shows options as "回复 1：…", and a visitor who replies with a number the channel no
longer holds (an older message's option, or options lost when their replica went away) sends the
bare number on to the NLU. The only numbers in the training data are "88"/"886" (goodbye), so
every number was read as goodbye (0.63) and the visitor heard "再见" and a rating request. As
`nlu_fallback` the visitor hears that the bot did not understand, with the options again.
"88", "886" and the like stay goodbye; numbers inside a question are not touched.
"""

from __future__ import annotations

import re
from typing import Any, Dict, List, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.shared.constants import DEFAULT_NLU_FALLBACK_INTENT_NAME
from rasa.shared.nlu.constants import (
    INTENT,
    INTENT_NAME_KEY,
    INTENT_RANKING_KEY,
    PREDICTED_CONFIDENCE_KEY,
    TEXT,
)
from rasa.shared.nlu.training_data.message import Message

from bot.nlu.normalize import BYE_DIGITS, to_simplified

# on the folded text (bot.nlu.normalize.to_simplified: full-width digits to ASCII, lower case):
# digits, with the words people wrap an option number in
BARE_NUMBER = re.compile(r"\s*(?:第|选|选择|回复|option|no\.?)?\s*[0-9]+\s*(?:个|号|项)?\s*[.。!]?\s*")


def is_bare_number(text: str) -> bool:
    """Only a number; "88"/"886" (拜拜) are the tokenizer's goodbye (normalize.BYE_DIGITS), not one."""
    folded = to_simplified(text or "")
    return bool(BARE_NUMBER.fullmatch(folded)) and not BYE_DIGITS.fullmatch(folded.rstrip(".。!~"))


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class BareNumberFallback(GraphComponent, IntentClassifier):
    """A bare number -> `nlu_fallback` alone: it names no topic, so none is offered ("您是想问")."""

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> BareNumberFallback:
        return cls()

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            intent = message.get(INTENT) or {}
            if intent.get(INTENT_NAME_KEY) == DEFAULT_NLU_FALLBACK_INTENT_NAME:
                continue
            if not is_bare_number(message.get(TEXT) or ""):
                continue
            fallback = {INTENT_NAME_KEY: DEFAULT_NLU_FALLBACK_INTENT_NAME, PREDICTED_CONFIDENCE_KEY: 1.0}
            message.set(INTENT, fallback, add_to_output=True)
            message.set(INTENT_RANKING_KEY, [fallback], add_to_output=True)
        return messages
