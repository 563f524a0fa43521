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


# a negation or a stop word, then (within a few characters) a notification
NEGATED_NOTICE = re.compile(
    r"(别|不要|不用|不想|不必|不需要|无需|唔使|唔好|唔要|取消|停止|停掉|关掉|关闭|退订|撤|"
    r"stop|don'?t|no more|cancel|turn off|unsub)"
    r".{0,8}?(通知|提醒|推送|消息|短信|发|notif|alert|remind|message|text)",
    re.IGNORECASE,
)
COMPLAINT = re.compile(
    r"投诉|举报|损失|耽误|耽搁|太差|好差|差劲|垃圾|差评|不满|失望|过分|离谱|坑人|害我|害得|"
    r"负责任|给个说法|搞什么|气死|complain|ridiculous|unacceptable|terrible|cost me",
    re.IGNORECASE,
)
OTHER_SERVICE = re.compile(
    r"医保|社保|个税|个人所得税|公积金|养老金|退休金|失业金|生育|户口|户籍|身份证|护照|驾照|签证|"
    r"居住证|通行证|车船税|房产税|契税|罚款|medical insurance|social security|pension",
    re.IGNORECASE,
)
OTHER_CITY = re.compile(
    r"深圳|佛山|东莞|珠海|中山|惠州|江门|肇庆|汕头|湛江|北京|上海|天津|重庆|杭州|南京|苏州|成都|武汉|"
    r"长沙|西安|厦门|福州|香港|澳门|全国|外省|外地|shenzhen|shanghai|beijing|hong kong",
    re.IGNORECASE,
)
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
