"""Text folding shared by the tokenizer, the featurizers and the cross-validation.

Why: visitors write one question in many spellings: traditional characters (電子發票),
full-width forms, and Cantonese words (幾時, 點算, 邊度, 冇). Folding them onto the
Mandarin words the training data uses lets every Mandarin example also teach the
Cantonese and traditional spellings.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import List, Tuple

import zhconv

# Cantonese words (after folding to simplified) -> the Mandarin words of the training data.
# Only words that are not also ordinary Mandarin with another meaning: a lone 系 (系统) or 点
# (几点, 点击) is left alone; 係 (traditional only, always "to be") is folded before 系 exists.
CANTONESE = {
    "几时": "什么时候",
    "几耐": "多久",
    "几多": "多少",
    "点算": "怎么办",
    "点样": "怎么样",
    "点解": "为什么",
    "点先": "怎样才",
    "点办": "怎么办",
    "边度": "哪里",
    "边到": "哪里",
    "边个": "哪个",
    "边间": "哪间",
    "边位": "哪位",
    "喺边": "在哪",
    "而家": "现在",
    "依家": "现在",
    "宜家": "现在",
    "搞掂": "搞定",
    "好返": "恢复",
    "得返": "恢复",
    "唔该": "谢谢",
    "冇得": "没法",
    "得唔得": "行不行",
    "唔得": "不行",
    "系唔系": "是不是",
    "系咪": "是不是",
    "定系": "还是",
    "唔系": "不是",
    "都系": "都是",
    "就系": "就是",
    "即系": "就是",
    "仲系": "还是",
    "净系": "只是",
    "系咩": "是什么",
    "仲有": "还有",
    "仲可以": "还可以",
    "仲要": "还要",
    "仲未": "还没",
    "仲唔": "还不",
    "乜嘢": "什么",
    "咩嘢": "什么",
    "乜": "什么",
    "咩": "什么",
    "嘢": "东西",
    "冇": "没有",
    "唔": "不",
    "嘅": "的",
    "咗": "了",
    "喺": "在",
    "佢": "他",
    "哋": "们",
    "睇": "看",
    "揾": "找",
    "搵": "找",
    "畀": "给",
    "俾": "给",
    "攞": "拿",
    "嚟": "来",
    "啱": "对",
    "啲": "些",
    "咁": "这么",
}
_CANTONESE = re.compile("|".join(sorted(map(re.escape, CANTONESE), key=len, reverse=True)))


@lru_cache(maxsize=8192)
def _fold_char(char: str) -> str:
    folded = zhconv.convert(char, "zh-cn")
    return folded if len(folded) == 1 else char


def to_simplified(text: str) -> str:
    """Traditional to simplified, full-width to ASCII, lower case; same length as input."""
    out = []
    for char in text:
        code = ord(char)
        if 0xFF01 <= code <= 0xFF5E:  # full-width ASCII forms
            char = chr(code - 0xFEE0)
        elif code == 0x3000:
            char = " "
        out.append(_fold_char(char).lower() if ord(char) > 127 else char.lower())
    return "".join(out)


BYE_DIGITS = re.compile(r"\s*8{2,}6?\s*")


def fold_with_offsets(text: str) -> Tuple[str, List[int]]:
    """`to_simplified` plus Cantonese words folded to Mandarin, and for every character of
    the result the index of the input character it came from (so tokens keep their offsets)."""
    simplified = to_simplified(text.replace("係", "是"))
    if BYE_DIGITS.fullmatch(simplified):
        # "88"/"886" (拜拜/拜拜了) as words: as digits they became Rasa's __NUMBER__ token, and
        # every date or number a visitor typed ("12月3号能开票吗") was read as a goodbye
        return "拜拜", [0, len(simplified) - 1]
    out: List[str] = []
    origin: List[int] = []
    position = 0
    for match in _CANTONESE.finditer(simplified):
        out.append(simplified[position : match.start()])
        origin.extend(range(position, match.start()))
        replacement = CANTONESE[match.group()]
        out.append(replacement)
        # spread the replacement over the replaced span, never past its end
        span = match.end() - match.start()
        origin.extend(match.start() + min(i * span // len(replacement), span - 1) for i in range(len(replacement)))
        position = match.end()
    out.append(simplified[position:])
    origin.extend(range(position, len(simplified)))
    return "".join(out), origin


@lru_cache(maxsize=4096)
def fold(text: str) -> str:
    """The folded text alone (see `fold_with_offsets`)."""
    return fold_with_offsets(text)[0]
