"""One feature: does the message name anything of this service (invoices, tax, the system...)?

Why: questions about other services share the question words of this one ("在哪里办",
"要多久", "怎么预约", "app", "投诉电话"), so n-grams alone let "护照在哪里办" or "医院挂号怎么
预约" borrow a FAQ's confidence. Nearly every question about the e-invoice suspension names
a cue of it; with a cue/no-cue feature the classifier learns how much that counts (a soft
signal, weighed by the logistic regression like any n-gram, not a rule).
"""

from __future__ import annotations

import re
from typing import Any, Dict, List, Text

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

from bot.nlu.normalize import to_simplified

CUES = re.compile(
    "|".join(
        [
            r"发票|发漂|发飘|法票|发标|开票|开漂|开飘|票|张飞|数电|全电|税|办税|fapiao|invoice|tax",
            r"系统|平台|服务|恢复|暂停|停|维护|升级|上线|好返|得返|搞掂|system|service|outage|suspen",
            r"\bdown\b|\bback\b|resume|upgrade|maintenance|platform",
            r"大厅|大厅|服务厅|服务点|窗口|柜台|人工|真人|客服|agent|human|staff|counter|hall|kiosk",
            r"报销|报数|报账|补偿|赔|投诉|通知|提醒|备份|数据|资料|信息|隐私|预约|自助|公众号|官网|热线|12366",
            r"reimburs|compensat|complain|notif|backup|data|privacy|appointment|hotline|official",
            r"越秀|海珠|荔湾|天河|白云|黄埔|番禺|花都|南沙|从化|增城",
        ]
    ),
    re.IGNORECASE,
)


def has_cue(text: str) -> bool:
    return bool(CUES.search(to_simplified(text or "")))


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=False)
class DomainCueFeaturizer(SparseFeaturizer, GraphComponent):
    """Sparse sentence feature [cue, no cue] (sequence rows all zero)."""

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

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        self.process(training_data.training_examples)
        return training_data

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            text = message.get(TEXT)
            if not text:
                continue
            tokens = message.get(TOKENS_NAMES[TEXT]) or []
            sentence = sp.coo_matrix(np.array([[1.0, 0.0] if has_cue(text) else [0.0, 1.0]]))
            sequence = sp.coo_matrix((max(len(tokens), 1), 2))
            self.add_features_to_message(sequence, sentence, TEXT, message)
        return messages
