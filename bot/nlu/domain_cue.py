"""One feature: does the message name anything of this service (invoices, tax, the system...)?

Why: questions about other services share the question words of this one ("在哪里办",
"要多久", "怎么预约", "app", "投诉电话"), so n-grams alone let "护照在哪里办" or "医院挂号怎么
预约" borrow a FAQ's confidence. Nearly every question about the e-invoice suspension names
a cue of it; with a cue/no-cue feature the classifier learns how much that counts (a soft
signal, weighed by the logistic regression like any n-gram, not a rule).

Three more soft cues where n-grams alone confuse labels: a negated notification ("别再给我
发提醒", "不想收通知": the words of subscribing, with a 不/别/取消 before them), a complaint
(投诉, 损失, 耽误, 太差: anger, not a request), and another service (医保, 社保, 个税, 公积金...)
or another city, whose questions borrow this service's words ("电子发票", "怎么报销").
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Text

import numpy as np
import scipy.sparse as sp
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.constants import TOKENS_NAMES
from rasa.nlu.featurizers.sparse_featurizer.sparse_featurizer import SparseFeaturizer
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.nlu.cues import COMPLAINT, CUES, NEGATED_NOTICE, OTHER_CITY, OTHER_SERVICE
from bot.nlu.normalize import to_simplified

# the columns of the feature: [cue, no cue, negated notice, complaint, other service, other city]
WIDTH = 6


def has_cue(text: str) -> bool:
    return bool(CUES.search(to_simplified(text or "")))


def cue_vector(text: str) -> List[float]:
    """The message's cue columns (see WIDTH)."""
    folded = to_simplified(text or "")
    cue = bool(CUES.search(folded))
    return [
        float(cue),
        float(not cue),
        float(bool(NEGATED_NOTICE.search(folded))),
        float(bool(COMPLAINT.search(folded))),
        float(bool(OTHER_SERVICE.search(folded))),
        float(bool(OTHER_CITY.search(folded))),
    ]


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=False)
class DomainCueFeaturizer(SparseFeaturizer, GraphComponent):
    """Sparse sentence features of the cues (`cue_vector`; sequence rows all zero)."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {**SparseFeaturizer.get_default_config()}

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> DomainCueFeaturizer:
        return cls(execution_context.node_name, config)

    @classmethod
    def validate_config(cls, config: Dict[Text, Any]) -> None:
        pass

    @classmethod
    def fingerprint_addon(cls, config: Dict[Text, Any]) -> Optional[str]:
        """The cue patterns live in bot/nlu/cues.py: a change there must retrain, not reuse the cache
        (Rasa fingerprints only this class's own source)."""
        return "|".join(p.pattern for p in (CUES, NEGATED_NOTICE, COMPLAINT, OTHER_SERVICE, OTHER_CITY))

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        self.process(training_data.training_examples)
        return training_data

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            text = message.get(TEXT)
            if not text:
                continue
            tokens = message.get(TOKENS_NAMES[TEXT]) or []
            sentence = sp.coo_matrix(np.array([cue_vector(text)]))
            sequence = sp.coo_matrix((max(len(tokens), 1), WIDTH))
            self.add_features_to_message(sequence, sentence, TEXT, message)
        return messages
