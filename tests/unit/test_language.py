"""The language entity: follows what the visitor writes; short or button messages keep it."""

import re

import pytest

from bot.language import PINYIN_SYLLABLES, split_pinyin
from bot.nlu.language import detect


@pytest.mark.parametrize(
    "text, expected",
    [
        ("when will the e-invoice system be back", "en"),
        ("Where is the nearest tax hall?", "en"),
        ("电子发票什么时候恢复", "zh"),
        ("fapiao系统恢复没", "zh"),
        ("點解電子發票暫停咗", "zh"),
        ("我要complain，停这么久", "zh"),
        ("ok", None),
        ("1", None),
        ("hi", None),
        ("👍", None),
        ('/faq{"faq_topic":"reason"}', None),
        ("", None),
        # pinyin typed without choosing characters is Chinese: the visitor reads Chinese
        ("dianzi fapiao shenme shihou huifu", "zh"),
        ("ni hao ma", "zh"),
        ("wo yao tousu nimen", "zh"),
        ("Kai Piao Xi Tong Hui Fu Le Ma?", "zh"),
        ("tianhe banshuiting zai nali", "zh"),
        # English whose words happen to spell syllables stays English
        ("are you human", "en"),
        ("see you", "en"),
        ("you're cute", "en"),
        ("can you help me", "en"),
        ("long time no see", "en"),
        ("how do I get there", "en"),
        ("where is the tax office in Panyu", "en"),
        ("I need a paper invoice in Guangzhou", "en"),
    ],
)
def test_detect(text, expected):
    assert detect(text) == expected


def test_the_syllable_table_is_pypinyins():
    """The rule's own table (kept out of pypinyin for the processes that do not load the NLU)
    is exactly the toneless syllables with a vowel of pypinyin's dictionary."""
    from pypinyin.constants import PINYIN_DICT
    from pypinyin.contrib.tone_convert import to_normal

    found = {to_normal(p) for value in PINYIN_DICT.values() for p in value.split(",")}
    assert PINYIN_SYLLABLES == {s for s in found if re.fullmatch(r"[a-z]*[aeiouv][a-z]*", s)}


@pytest.mark.parametrize(
    "word, syllables",
    [("fapiao", ("fa", "piao")), ("xian", ("xian",)), ("zhuanrengong", ("zhuan", "ren", "gong")), ("help", None)],
)
def test_split_pinyin(word, syllables):
    assert split_pinyin(word) == syllables
