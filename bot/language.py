"""The visitor's language (zh or en), by the one rule every part of the assistant shares.

Two or more Chinese characters make a message Chinese (mixed "fapiao系统恢复没" included), and
so does pinyin typed without choosing characters ("dianzi fapiao shenme shihou huifu": a visitor
who reads Chinese but whose keyboard did not convert); two or more English words and no Chinese
make it English; anything shorter ("ok", "1", "hi", an emoji) or a button payload ("/faq{...}")
shows no language, and the last one shown holds.
The NLU component (bot/nlu/language.py) fills the `language` slot with it, so the answers
follow it; the WeChat and 微信客服 channels use it for the words they add themselves ("回复 1：",
limits); the widget carries a port of it (widget/src/i18n.js, checked against this one by
tests/unit/test_widget_language.py).
"""

from __future__ import annotations

import re
from collections import OrderedDict
from functools import lru_cache
from typing import List, Optional, Tuple

CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
LATIN_WORD = re.compile(r"[A-Za-z]{2,}")
LATIN_RUN = re.compile(r"[A-Za-z]+")
DEFAULT = "zh"

# Every toneless Mandarin syllable (pypinyin's, less m/n/ng/hm: tests/unit/test_language.py
# checks it against pypinyin's dictionary). Kept here, not imported from pypinyin, because the
# web app and the channels use this rule without loading the NLU.
PINYIN_SYLLABLES = frozenset(
    """
    a ai an ang ao ba bai ban bang bao bei ben beng bi bian biang biao bie bin bing bo bong bu ca
    cai can cang cao ce cei cen ceng cha chai chan chang chao che chen cheng chi chong chou chu chua
    chuai chuan chuang chui chun chuo ci cong cou cu cuan cui cun cuo da dai dan dang dao de dei den
    deng di dia dian diao die din ding diu dong dou du duan dui dun duo e ei en eng er fa fan fang
    fei fen feng fiao fo fou fu ga gai gan gang gao ge gei gen geng gong gou gu gua guai guan guang
    gui gun guo ha hai han hang hao he hei hen heng hong hou hu hua huai huan huang hui hun huo ji
    jia jian jiang jiao jie jin jing jiong jiu ju juan jue jun ka kai kan kang kao ke kei ken keng
    kong kou ku kua kuai kuan kuang kui kun kuo la lai lan lang lao le lei len leng li lia lian
    liang liao lie lin ling liu lo long lou lu luan lun luo lv lve ma mai man mang mao me mei men
    meng mi mian miao mie min ming miu mo mou mu na nai nan nang nao ne nei nen neng ni nia nian
    niang niao nie nin ning niu nong nou nu nuan nun nuo nv nve o ou pa pai pan pang pao pei pen
    peng pi pian piao pie pin ping po pou pu qi qia qian qiang qiao qie qin qing qiong qiu qu quan
    que qun ran rang rao re ren reng ri rong rou ru rua ruan rui run ruo sa sai san sang sao se sen
    seng sha shai shan shang shao she shei shen sheng shi shou shu shua shuai shuan shuang shui shun
    shuo si song sou su suan sui sun suo ta tai tan tang tao te tei teng ti tian tiao tie ting tong
    tou tu tuan tui tun tuo wa wai wan wang wei wen weng wo wong wu xi xia xian xiang xiao xie xin
    xing xiong xiu xu xuan xue xun ya yan yang yao ye yi yin ying yo yong you yu yuan yue yun za zai
    zan zang zao ze zei zen zeng zha zhai zhan zhang zhao zhe zhei zhen zheng zhi zhong zhou zhu zhua
    zhuai zhuan zhuang zhui zhun zhuo zi zong zou zu zuan zui zun zuo
    """.split()
)
# Syllables English words almost never split into ("are you human" is a re you hu man; "see you"
# se e you): initials zh, j, q, x, or finals like iao, uo, ui. A run of Latin words is pinyin only
# when one of its syllables is one of these.
PINYIN_ONLY = re.compile(r"^(?:zh|[jqx])|(?:iao|uo|ui|iu|ian|uan|ve|iang|iong|ao|ei|ou)$")


# the longest toneless syllable (zhuang, chuang, shuang)
_LONGEST = 6


@lru_cache(maxsize=8192)
def split_pinyin(word: str) -> Optional[Tuple[str, ...]]:
    """ "fapiao" -> ("fa", "piao"): the fewest toneless syllables that spell the word, or None.
    The NLU's pinyin features (bot/nlu/pinyin.py) read Latin words with it too."""
    best: List[Optional[Tuple[str, ...]]] = [()] + [None] * len(word)
    for end in range(1, len(word) + 1):
        for start in range(max(0, end - _LONGEST), end):
            head = best[start]
            if head is not None and word[start:end] in PINYIN_SYLLABLES:
                if best[end] is None or len(head) + 1 < len(best[end] or ()):
                    best[end] = head + (word[start:end],)
    return best[len(word)]


def is_pinyin(text: str) -> bool:
    """Latin words that are Mandarin typed as pinyin: two words or more, at least 80 % of them
    spelled by syllables, three syllables or more, one of them one that English does not make."""
    words = [w.lower() for w in LATIN_RUN.findall(text)]
    if len(words) < 2:
        return False
    spelled = [s for s in map(split_pinyin, words) if s]
    syllables = [syllable for s in spelled for syllable in s]
    return (
        len(spelled) >= 0.8 * len(words)
        and len(syllables) >= 3
        and any(s != "you" and PINYIN_ONLY.search(s) for s in syllables)
    )


def detect(text: Optional[str]) -> Optional[str]:
    """ "zh", "en", or None when the message does not show a language."""
    text = (text or "").strip()
    if not text or text.startswith("/"):
        return None
    if len(CJK.findall(text)) >= 2:
        return "zh"
    if len(LATIN_WORD.findall(text)) >= 2 and not CJK.search(text):
        return "zh" if is_pinyin(text) else "en"
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
