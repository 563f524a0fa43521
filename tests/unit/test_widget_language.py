"""The widget's own words follow the visitor's language by the bot's own rule.

widget/src/i18n.js carries a port of bot.language.detect; both run here over the same messages
(every example of the evaluation sets plus edge cases), so the controls can never switch
language in a turn where the answers do not. Its text tables are checked too: the same keys in
both languages, no Chinese in the English words, the house style in the Chinese ones.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from bot.language import PINYIN_ONLY, PINYIN_SYLLABLES, detect

ROOT = Path(__file__).resolve().parents[2]
I18N = ROOT / "widget" / "src" / "i18n.js"
NODE = shutil.which("node")
CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")

EDGE_CASES = [
    "when will the e-invoice system be back",
    "fapiao系统恢复没",
    "我要complain，停这么久",
    "ok",
    "1",
    "hi",
    "👍",
    '/faq{"faq_topic":"reason"}',
    "",
    "   ",
    " \u3000电子发票\u3000",
    "A 发",
    "e-invoice 发",
    "ok 好",
    "OK thanks!!",
    "Tianhe 天河",
    "CAN YOU HELP",
    "x y z",
    "ab",
    "𠀀𠀁 ab cd",  # CJK extension B (outside the BMP): neither side counts it as Chinese
    "ｅｎｇｌｉｓｈ ｗｏｒｄｓ",  # full-width Latin is not [A-Za-z]
    "/request_human",
    "dianzi fapiao shenme shihou huifu",
    "ni hao ma",
    "Kai Piao Xi Tong Hui Fu Le Ma?",
    "are you human",
    "see you",
    "you're cute",
    "long time no see",
    "xian zai ne",
    "qq wechat",
    "a b c d e",
]


def messages():
    found = list(EDGE_CASES)
    for name in ("visitors.yml", "heldout.yml"):
        for block in yaml.safe_load((ROOT / "tests" / "nlu" / name).read_text(encoding="utf-8"))["nlu"]:
            found += [line[2:] for line in block.get("examples", "").splitlines() if line.startswith("- ")]
    return found


def run_module(tmp_path: Path, body: str) -> object:
    """Runs `body` against widget/src/i18n.js in node (as an ES module) and returns its JSON."""
    if NODE is None:
        pytest.fail("node is missing (the widget build needs it too)")
    module = tmp_path / "i18n.mjs"
    module.write_text(I18N.read_text(encoding="utf-8"), encoding="utf-8")
    script = tmp_path / "run.mjs"
    script.write_text(f"import * as i18n from {json.dumps(str(module))};\n{body}\n", encoding="utf-8")
    done = subprocess.run([NODE, str(script)], capture_output=True, text=True, timeout=60, check=True)
    return json.loads(done.stdout)


def test_the_widget_detects_the_language_exactly_as_the_bot_does(tmp_path):
    texts = messages()
    assert len(texts) > 800
    (tmp_path / "texts.json").write_text(json.dumps(texts, ensure_ascii=False), encoding="utf-8")
    widget = run_module(
        tmp_path,
        "import { readFileSync } from 'node:fs';\n"
        f"const texts = JSON.parse(readFileSync({json.dumps(str(tmp_path / 'texts.json'))}, 'utf8'));\n"
        "console.log(JSON.stringify(texts.map(i18n.detectLanguage)));",
    )
    differ = [(t, w, detect(t)) for t, w in zip(texts, widget, strict=True) if w != detect(t)]
    assert differ == []
    assert {"zh", "en", None} <= set(widget)


def test_the_widget_has_the_bots_pinyin_table(tmp_path):
    table = run_module(tmp_path, "console.log(JSON.stringify([...i18n.PINYIN_SYLLABLES]));")
    assert sorted(table) == sorted(PINYIN_SYLLABLES)
    source = I18N.read_text(encoding="utf-8")
    assert PINYIN_ONLY.pattern in source  # the same "English does not make these" syllables


def test_the_first_language_is_the_visitors_then_the_embeds_then_the_pages(tmp_path):
    cases = [
        [None, None, "zh-CN", "zh"],
        [None, None, "en-GB", "en"],
        [None, None, "", "zh"],
        [None, "en", "zh-CN", "en"],
        [None, "fr", "zh-CN", "zh"],
        ["zh", "en", "en", "zh"],
        ["en", None, "zh-CN", "en"],
    ]
    results = run_module(
        tmp_path,
        f"console.log(JSON.stringify({json.dumps(cases)}.map(([s, e, p]) => i18n.initialLanguage(s, e, p))));",
    )
    assert results == [case[3] for case in cases]


def test_both_languages_have_every_control_and_english_has_no_chinese(tmp_path):
    tables = run_module(
        tmp_path,
        """const out = {};
        for (const [lang, words] of Object.entries(i18n.TEXTS)) {
          out[lang] = {};
          for (const [key, value] of Object.entries(words)) {
            if (typeof value === "function") {
              out[lang][key] = [value(1), value(3, 12, "09:30"), value(true, "10:32"), value(false, "10:32")].join(" | ");
            } else {
              out[lang][key] = typeof value === "string" ? value : JSON.stringify(value);
            }
          }
        }
        console.log(JSON.stringify(out));""",
    )
    assert set(tables) == {"zh", "en"}
    assert set(tables["zh"]) == set(tables["en"])
    for key, text in tables["en"].items():
        assert not CJK.search(text), (key, text)
    for key, text in tables["zh"].items():
        assert CJK.search(text) or key == "date", (key, text)
        assert "你" not in text and "「" not in text and "」" not in text, (key, text)
    # the suggested questions of each language are in that language, so a click switches nothing
    assert all(detect(q) == "en" for q in json.loads(tables["en"]["suggestions"]))
    assert all(detect(q) == "zh" for q in json.loads(tables["zh"]["suggestions"]))
