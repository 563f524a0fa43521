"""Sparse features over the toneless pinyin of the message: homophone typos read as meant.

Why: phone keyboards type by pinyin, so visitors send 开漂, 发飘, 法票 or 恢附 for 开票,
发票, 恢复: different characters, so no shared character n-gram, but the same syllables
(kai piao, fa piao, hui fu). Counting n-grams of toneless syllables lets the classifier
weigh "fa piao" the same whichever characters spelled it. The syllables come from
`pypinyin`, whose dictionaries ship inside its wheel (nothing is downloaded).

Visitors also type pinyin without choosing characters ("dianzi fapiao shenme shihou huifu"):
a run of Latin words that all split into pinyin syllables (and is not mostly English) is
read as those syllables (`bot.language.split_pinyin`, over the table the language rule uses), so it shares the n-grams of 电子发票什么时候恢复.
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
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

from bot.language import split_pinyin  # the one syllable table, shared with the language rule
from bot.nlu.normalize import fold

_HAN_RUN = re.compile(r"[\u3400-\u9fff]+")
# a run of Chinese characters, or of Latin words separated by spaces only
_RUN = re.compile(r"[\u3400-\u9fff]+|[a-z]+(?:[ '\-]+[a-z]+)*")
_WORD = re.compile(r"[a-z]+")
_VOCABULARY = "vocabulary.json"


def _latin_syllables(run: str) -> List[str]:
    """The syllables of a run of Latin words when at least 80 % of its words (and two or more)
    are pinyin, else []: English ("can I book a time") has too many words that are not."""
    words = _WORD.findall(run)
    split = [split_pinyin(w) for w in words]
    pinyin = [s for s in split if s]
    if len(pinyin) < 2 or len(pinyin) < 0.8 * len(words):
        return []
    return [syllable for s in pinyin for syllable in s]


@lru_cache(maxsize=4096)
def syllable_runs(text: str) -> List[List[str]]:
    """Toneless syllables of each run of Chinese characters, or of pinyin words, in the folded text."""
    from pypinyin import lazy_pinyin

    runs = []
    for run in _RUN.findall(fold(text)):
        syllables = lazy_pinyin(run) if _HAN_RUN.match(run) else _latin_syllables(run)
        if syllables:
            runs.append(syllables)
    return runs


def pinyin_ngrams(text: str, min_n: int = 2, max_n: int = 3) -> List[str]:
    """Syllable n-grams within each run ("fa_piao", "kai_fa_piao"), never across punctuation."""
    grams: List[str] = []
    for syllables in syllable_runs(text):
        for n in range(min_n, max_n + 1):
            grams.extend("_".join(syllables[i : i + n]) for i in range(len(syllables) - n + 1))
    return grams


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=True)
class PinyinFeaturizer(SparseFeaturizer, GraphComponent):
    """Counts of toneless pinyin syllable n-grams (a sentence feature; sequence rows are zero)."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {**SparseFeaturizer.get_default_config(), "min_ngram": 1, "max_ngram": 3}

    def __init__(
        self,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        name: Text,
        vocabulary: Optional[Dict[Text, int]] = None,
    ) -> None:
        super().__init__(name, {**self.get_default_config(), **config})
        self._model_storage = model_storage
        self._resource = resource
        self._vocabulary = vocabulary or {}

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> PinyinFeaturizer:
        return cls(config, model_storage, resource, execution_context.node_name)

    @classmethod
    def validate_config(cls, config: Dict[Text, Any]) -> None:
        if not 1 <= config.get("min_ngram", 1) <= config.get("max_ngram", 3):
            raise ValueError("PinyinFeaturizer: needs 1 <= min_ngram <= max_ngram")

    @staticmethod
    def required_packages() -> List[Text]:
        return ["pypinyin"]

    def _grams(self, text: str) -> List[str]:
        return pinyin_ngrams(text, self._config["min_ngram"], self._config["max_ngram"])

    def train(self, training_data: TrainingData) -> Resource:
        seen = sorted({g for e in training_data.training_examples if e.get(TEXT) for g in self._grams(e.get(TEXT))})
        self._vocabulary = {gram: i for i, gram in enumerate(seen)}
        with self._model_storage.write_to(self._resource) as directory:
            (directory / _VOCABULARY).write_text(json.dumps(self._vocabulary, ensure_ascii=False), "utf-8")
        return self._resource

    @classmethod
    def load(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> PinyinFeaturizer:
        try:
            with model_storage.read_from(resource) as directory:
                vocabulary = json.loads((directory / _VOCABULARY).read_text("utf-8"))
        except (ValueError, FileNotFoundError):
            vocabulary = None
        return cls(config, model_storage, resource, execution_context.node_name, vocabulary)

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        self.process(training_data.training_examples)
        return training_data

    def process(self, messages: List[Message]) -> List[Message]:
        if not self._vocabulary:
            return messages
        width = len(self._vocabulary)
        for message in messages:
            text = message.get(TEXT)
            if not text:
                continue
            counts: Dict[int, float] = {}
            for gram in self._grams(text):
                column = self._vocabulary.get(gram)
                if column is not None:
                    counts[column] = counts.get(column, 0.0) + 1.0
            columns = sorted(counts)
            sentence = sp.coo_matrix(
                (
                    np.array([counts[c] for c in columns]),
                    (np.zeros(len(columns), dtype=int), np.array(columns, dtype=int)),
                ),
                shape=(1, width),
            )
            tokens = message.get(TOKENS_NAMES[TEXT]) or []
            sequence = sp.coo_matrix((max(len(tokens), 1), width))
            self.add_features_to_message(sequence, sentence, TEXT, message)
        return messages
