"""A question about another place or service, and nothing of this one, is out of scope whatever its score.

Why: "医院几点关门", "附近的银行在哪", "社保卡要带什么" share their question words with this
service's follow-ups (几点关门, 在哪, 要带什么) and its service-point finder, and nothing else in
them weighs much: the classifier read them as `follow_up` or `find_service_point`, and the bot
answered a hospital's hours with the tax halls'. A message that names another place, office or
service and no word of this one (bot.nlu.cues.names_other_place: 发票, 税, 系统, 恢复, 大厅, 人工,
报销, 通知…) is `out_of_scope` before the dialogue sees it, so the follow-up and finder logic
never run for it: the visitor hears what the assistant can help with. Chosen by grouped CV on
data/nlu (README): on the out-of-fold parses it changed only out-of-scope examples. Dialogue acts
(greetings, thanks, yes/no, asking for a person, leaving the queue) are never changed: "谢谢，我去
医院了" is a thanks. The ranking is kept (the decision code reads it) with `out_of_scope` first.
"""

from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.shared.constants import DEFAULT_NLU_FALLBACK_INTENT_NAME
from rasa.shared.nlu.constants import INTENT, INTENT_NAME_KEY, INTENT_RANKING_KEY, PREDICTED_CONFIDENCE_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.nlu.cues import names_other_place

OUT_OF_SCOPE = "out_of_scope"
# what a message does in the conversation, whatever it names: never changed
DIALOGUE_ACTS = frozenset(
    {
        "greet",
        "goodbye",
        "thank",
        "affirm",
        "deny",
        "bot_challenge",
        "chitchat",
        "ask_capabilities",
        "request_human",
        "cancel_handoff",
        "feedback",
        "rate",
        OUT_OF_SCOPE,
        DEFAULT_NLU_FALLBACK_INTENT_NAME,
    }
)


def guarded_intent(intent: str, text: str) -> str:
    """The intent after the check: `out_of_scope` for a question of the service about another place."""
    return OUT_OF_SCOPE if intent and intent not in DIALOGUE_ACTS and names_other_place(text) else intent


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class OutOfScopeGuard(GraphComponent, IntentClassifier):
    """A service question naming another place or service and nothing of this one -> `out_of_scope`."""

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> OutOfScopeGuard:
        return cls()

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            intent = message.get(INTENT) or {}
            name = intent.get(INTENT_NAME_KEY) or ""
            if guarded_intent(name, message.get(TEXT) or "") != OUT_OF_SCOPE:
                continue
            confidence = intent.get(PREDICTED_CONFIDENCE_KEY, 0.0)
            ranking: List[Dict[Text, Any]] = message.get(INTENT_RANKING_KEY) or []
            rest = [r for r in ranking if r.get(INTENT_NAME_KEY) != OUT_OF_SCOPE]
            guarded = {INTENT_NAME_KEY: OUT_OF_SCOPE, PREDICTED_CONFIDENCE_KEY: confidence}
            message.set(INTENT, guarded, add_to_output=True)
            message.set(INTENT_RANKING_KEY, [guarded, *rest], add_to_output=True)
        return messages
