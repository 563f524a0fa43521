"""The visitor's language (zh or en), by the one rule every part of the assistant shares.

Two or more Chinese characters make a message Chinese (mixed "fapiao系统恢复没" included), two
or more English words and no Chinese make it English; anything shorter ("ok", "1", "hi", an
emoji) or a button payload ("/faq{...}") shows no language, and the last one shown holds.
The NLU component (bot/nlu/language.py) fills the `language` slot with it, so the answers
follow it; the WeChat and 微信客服 channels use it for the words they add themselves ("回复 1：",
limits); the widget carries a port of it (widget/src/i18n.js, checked against this one by
tests/unit/test_widget_language.py).
"""

from __future__ import annotations

import re
from collections import OrderedDict
from typing import Optional

CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
LATIN_WORD = re.compile(r"[A-Za-z]{2,}")
DEFAULT = "zh"


def detect(text: Optional[str]) -> Optional[str]:
    """ "zh", "en", or None when the message does not show a language."""
    text = (text or "").strip()
    if not text or text.startswith("/"):
        return None
    if len(CJK.findall(text)) >= 2:
        return "zh"
    if len(LATIN_WORD.findall(text)) >= 2 and not CJK.search(text):
        return "en"
    return None


class LanguageMemory:
    """Each user's language as their messages showed it last (the channel's copy of the slot).

    Bounded: the users seen longest ago are forgotten first, and a forgotten (or new) user is
    Chinese until a message shows otherwise.
    """

    def __init__(self, max_users: int = 50_000) -> None:
        self.max_users = max_users
        self._languages: "OrderedDict[str, str]" = OrderedDict()

    def of(self, user: str) -> str:
        return self._languages.get(user, DEFAULT)

    def follow(self, user: str, text: Optional[str]) -> str:
        """The user wrote `text`: their language from now on (unchanged when it shows none)."""
        language = detect(text) or self.of(user)
        self._languages.pop(user, None)
        self._languages[user] = language
        while len(self._languages) > self.max_users:
            self._languages.popitem(last=False)
        return language
