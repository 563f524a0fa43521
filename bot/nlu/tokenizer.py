"""Jieba tokenizer that reads traditional characters as simplified and Cantonese words as Mandarin.

Why: users write 電子發票 as often as 电子发票, and 幾時/點算/冇 as often as 什么时候/怎么办/
没有; folding them (bot.nlu.normalize) gives the featurizers one vocabulary, while every
token keeps the offsets of the characters it came from (entities still point into the
original text). A message typed in pinyin without characters is spelled with the characters
the training data uses for those sounds (bot.nlu.pinyin_input; the lexicon is built when the
tokenizer trains and kept in the model), so it shares their word and character features.
"""

from __future__ import annotations

import glob
import json
from typing import Any, Dict, List, Optional, Text

from rasa.engine.graph import ExecutionContext
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.tokenizers.jieba_tokenizer import JiebaTokenizer
from rasa.nlu.tokenizers.tokenizer import Token
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.nlu.normalize import fold_with_offsets
from bot.nlu.pinyin_input import build_lexicon, spell_pinyin

# kept beside the copied Jieba dictionaries in the model; never loaded as one
_LEXICON = "pinyin_lexicon.json"


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_TOKENIZER, is_trainable=True)
class SimplifiedJiebaTokenizer(JiebaTokenizer):
    """JiebaTokenizer over the folded (simplified, lower-cased, Mandarin) form of the text."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        # spell pinyin-only messages in characters (bot.nlu.pinyin_input)
        return {**JiebaTokenizer.get_default_config(), "pinyin_lexicon": False}

    def __init__(
        self,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        lexicon: Optional[Dict[str, str]] = None,
    ) -> None:
        super().__init__({**self.get_default_config(), **config}, model_storage, resource)
        self._lexicon = lexicon or {}

    @staticmethod
    def _load_custom_dictionary(path: Text) -> None:
        import jieba

        for userdict in glob.glob(f"{path}/*"):
            if not userdict.endswith(_LEXICON):
                jieba.load_userdict(userdict)

    def train(self, training_data: TrainingData) -> Resource:
        if self._config["pinyin_lexicon"]:
            self._lexicon = build_lexicon(e.get(TEXT) for e in training_data.training_examples if e.get(TEXT))
        with self._model_storage.write_to(self._resource) as directory:
            if self._config["dictionary_path"] is not None:
                self._copy_files_dir_to_dir(self._config["dictionary_path"], str(directory))
            (directory / _LEXICON).write_text(json.dumps(self._lexicon, ensure_ascii=False), "utf-8")
        return self._resource

    @classmethod
    def load(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> SimplifiedJiebaTokenizer:
        lexicon: Dict[str, str] = {}
        try:
            with model_storage.read_from(resource) as directory:
                if config.get("dictionary_path") is not None:
                    cls._load_custom_dictionary(str(directory))
                if (directory / _LEXICON).exists():
                    lexicon = json.loads((directory / _LEXICON).read_text("utf-8"))
        except ValueError:
            pass  # not trained: no dictionary, no lexicon
        return cls(config, model_storage, resource, lexicon)

    def tokenize(self, message: Message, attribute: Text) -> List[Token]:
        import jieba

        text, origin = fold_with_offsets(message.get(attribute))
        if attribute == TEXT:
            text, origin = spell_pinyin(text, origin, self._lexicon)
        tokens = [Token(word, origin[start], origin[end - 1] + 1) for (word, start, end) in jieba.tokenize(text)]
        return self._apply_token_pattern(tokens)
