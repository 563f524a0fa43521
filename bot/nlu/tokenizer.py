"""Jieba tokenizer that reads traditional characters as simplified and Cantonese words as Mandarin.

Why: users write 電子發票 as often as 电子发票, and 幾時/點算/冇 as often as 什么时候/怎么办/
没有; folding them (bot.nlu.normalize) gives the featurizers one vocabulary, while every
token keeps the offsets of the characters it came from (entities still point into the
original text).
"""

from __future__ import annotations

from typing import List, Text

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.tokenizers.jieba_tokenizer import JiebaTokenizer
from rasa.nlu.tokenizers.tokenizer import Token
from rasa.shared.nlu.training_data.message import Message

from bot.nlu.normalize import fold_with_offsets


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_TOKENIZER, is_trainable=True)
class SimplifiedJiebaTokenizer(JiebaTokenizer):
    """JiebaTokenizer over the folded (simplified, lower-cased, Mandarin) form of the text."""

    def tokenize(self, message: Message, attribute: Text) -> List[Token]:
        import jieba

        text, origin = fold_with_offsets(message.get(attribute))
        tokens = [Token(word, origin[start], origin[end - 1] + 1) for (word, start, end) in jieba.tokenize(text)]
        return self._apply_token_pattern(tokens)
