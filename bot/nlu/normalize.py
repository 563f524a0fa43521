"""Text folding shared by the tokenizer and the anchor benchmark."""

from functools import lru_cache

import zhconv


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
