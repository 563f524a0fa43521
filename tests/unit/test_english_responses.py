"""Every response has exactly one variant for each language and live state, and English is English.

Why: Rasa picks at random among ALL matching conditional variants, so an English variant that
overlaps a state variant would answer in a random language; and a response without an English
variant would answer an English visitor in Chinese.
"""

import re
from pathlib import Path

import pytest
from rasa.core.nlg.generator import ResponseVariationFilter
from rasa.shared.core.domain import Domain

ROOT = Path(__file__).resolve().parents[2]
DOMAIN = Domain.load(str(ROOT / "domain.yml"))
CHINESE = re.compile(r"[\u4e00-\u9fff]")
STATES = (None, "suspended", "degraded", "normal")


@pytest.mark.parametrize("key", sorted(DOMAIN.responses))
def test_one_variant_per_language_and_state(key):
    variations = ResponseVariationFilter(DOMAIN.responses)
    for language in ("zh", "en"):
        for state in STATES:
            slots = {"language": language, "outage_state": state}
            chosen = variations.responses_for_utter_action(key, "rest", slots)
            assert len(chosen) == 1, (key, language, state, len(chosen))
            text = (chosen[0].get("text") or "") + " ".join(b["title"] for b in chosen[0].get("buttons") or [])
            if language == "en":
                # the product name (电子发票) and slot values may appear; sentences may not
                assert len(CHINESE.findall(text)) <= 4, (key, state, text)
            else:
                assert CHINESE.search(text), (key, state, text)
