"""Jieba tokenizer that reads traditional characters as simplified ones.

Why: users write 電子發票 as often as 电子发票; folding traditional characters one by one
keeps every token's offsets (entities still point into the original text) while the
featurizers see one vocabulary.
"""

from __future__ import annotations

from typing import List, Text

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.tokenizers.jieba_tokenizer import JiebaTokenizer
from rasa.nlu.tokenizers.tokenizer import Token
from rasa.shared.nlu.training_data.message import Message

from bot.nlu.normalize import to_simplified


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_TOKENIZER, is_trainable=True)
class SimplifiedJiebaTokenizer(JiebaTokenizer):
    """JiebaTokenizer over the simplified, lower-cased form of the text."""

    def tokenize(self, message: Message, attribute: Text) -> List[Token]:
        import jieba

        text = to_simplified(message.get(attribute))
        tokens = [Token(word, start) for (word, start, _end) in jieba.tokenize(text)]
        return self._apply_token_pattern(tokens)
