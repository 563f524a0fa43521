"""Pinyin typed without characters, read as the characters the training data spells with those sounds.

Why: a visitor who types "kaipiao pingtai shenme shihou hao" shares no word or character
n-gram with 开票平台什么时候好, only its pinyin n-grams (bot/nlu/pinyin.py): the classifier
sees a fraction of the evidence and asks "您是想问" (blind3: pinyin 54 % right, 38 %
clarified). Spelling the syllables with the characters the training data writes them with
gives such a message the word and character features of its Chinese wording.

The lexicon maps each run of 1-4 toneless syllables to the character string the training
data spells it with most often (built from the training examples when the tokenizer trains,
kept in the model). A message is converted only when the language rule reads it as pinyin
(`bot.language.is_pinyin`); a syllable run is spelled with the fewest lexicon entries, and a
word no entry spells stays as typed.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from typing import Dict, Iterable, List, Optional, Tuple

from bot.language import is_pinyin, split_pinyin
from bot.nlu.normalize import fold_with_offsets, to_simplified

_HAN_RUN = re.compile(r"[\u3400-\u9fff]+")
_LATIN_WORD = re.compile(r"[a-z]+")
LONGEST = 4


def build_lexicon(texts: Iterable[str]) -> Dict[str, str]:
    """ "kai piao" -> "开票": for every run of 1-4 syllables in the texts' Chinese, the spelling
    seen most often (ties: the first seen). Read before the Cantonese fold, so that "ji shi" is
    几时 (folded to 什么时候 once spelled), not 及时."""
    from pypinyin import lazy_pinyin

    seen: Dict[str, Counter] = defaultdict(Counter)
    for text in texts:
        for run in _HAN_RUN.findall(to_simplified(text)):
            syllables = lazy_pinyin(run)
            if len(syllables) != len(run):
                continue
            for n in range(1, LONGEST + 1):
                for i in range(len(run) - n + 1):
                    seen[" ".join(syllables[i : i + n])][run[i : i + n]] += 1
    return {key: spellings.most_common(1)[0][0] for key, spellings in seen.items()}


def _spell(syllables: Tuple[str, ...], lexicon: Dict[str, str]) -> Optional[str]:
    """The syllables spelled with the fewest lexicon entries, or None if some syllable has none."""
    best: List[Optional[Tuple[int, str]]] = [(0, "")] + [None] * len(syllables)
    for end in range(1, len(syllables) + 1):
        for start in range(max(0, end - LONGEST), end):
            head = best[start]
            spelling = lexicon.get(" ".join(syllables[start:end]))
            if head is not None and spelling is not None:
                if best[end] is None or head[0] + 1 < best[end][0]:  # type: ignore[index]
                    best[end] = (head[0] + 1, head[1] + spelling)
    last = best[len(syllables)]
    return last[1] if last else None


def spell_pinyin(text: str, origin: List[int], lexicon: Dict[str, str]) -> Tuple[str, List[int]]:
    """Folded `text` (with `origin`, the input index of each of its characters) with every pinyin
    word spelled in characters when the message is pinyin; unchanged otherwise."""
    if not lexicon or not is_pinyin(text):
        return text, origin
    out: List[str] = []
    out_origin: List[int] = []
    position = 0
    for match in _LATIN_WORD.finditer(text):
        syllables = split_pinyin(match.group())
        spelling = _spell(syllables, lexicon) if syllables else None
        if not spelling:
            continue
        out.append(text[position : match.start()])
        out_origin.extend(origin[position : match.start()])
        out.append(spelling)
        # the characters spread over the typed word, the last one on its last letter
        span, last = match.end() - match.start(), len(spelling) - 1
        out_origin.extend(
            origin[match.start() + (span - 1 if i == last else i * span // len(spelling))] for i in range(len(spelling))
        )
        position = match.end()
    out.append(text[position:])
    out_origin.extend(origin[position:])
    # words spelled side by side: drop the spaces between characters ("开票 平台" -> "开票平台")
    joined, joined_origin = [], []
    chars = "".join(out)
    for i, char in enumerate(chars):
        if char == " " and 0 < i < len(chars) - 1 and _HAN_RUN.match(chars[i - 1]) and _HAN_RUN.match(chars[i + 1]):
            continue
        joined.append(char)
        joined_origin.append(out_origin[i])
    # the Cantonese fold of the spelled words (几时 -> 什么时候), its offsets composed with ours
    folded, inner = fold_with_offsets("".join(joined))
    return folded, [joined_origin[i] for i in inner]
