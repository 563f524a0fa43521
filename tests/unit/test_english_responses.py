"""Every response has exactly one variant for each language and live state, and English is English.

Why: Rasa picks at random among ALL matching conditional variants, so an English variant that
overlaps a state variant would answer in a random language; and a response without an English
variant would answer an English visitor in Chinese.
"""

import itertools
import re
from pathlib import Path

import pytest
import yaml
from rasa.core.nlg.generator import ResponseVariationFilter
from rasa.shared.core.domain import Domain

ROOT = Path(__file__).resolve().parents[2]
DOMAIN = Domain.load(str(ROOT / "domain.yml"))
# the web app's server messages (bot/conversations/server_events.py) are sent to visitors too
RESPONSES = {
    **DOMAIN.responses,
    **yaml.safe_load((ROOT / "bot/conversations/server_messages.yml").read_text(encoding="utf-8"))["responses"],
}
CHINESE = re.compile(r"[\u4e00-\u9fff]")
STATES = (None, "suspended", "degraded", "normal")


def other_conditions(key):
    """Each combination of the other slots a response's variants depend on (utter_clarify: the
    number of options), or one empty combination."""
    names = sorted(
        {
            c["name"]
            for v in RESPONSES[key]
            for c in v.get("condition") or []
            if c["name"] not in ("language", "outage_state")
        }
    )
    slots = {slot.name: slot for slot in DOMAIN.slots}
    values = [[v for v in slots[name].values if v != "__other__"] for name in names]
    return [dict(zip(names, combo, strict=True)) for combo in itertools.product(*values)]


@pytest.mark.parametrize("key", sorted(RESPONSES))
def test_one_variant_per_language_and_state(key):
    variations = ResponseVariationFilter(RESPONSES)
    for language, state, other in itertools.product(("zh", "en"), STATES, other_conditions(key)):
        slots = {"language": language, "outage_state": state, **other}
        chosen = variations.responses_for_utter_action(key, "rest", slots)
        assert len(chosen) == 1, (key, language, state, other, len(chosen))
        text = (chosen[0].get("text") or "") + " ".join(b["title"] for b in chosen[0].get("buttons") or [])
        if language == "en":
            # the product name (电子发票) and slot values may appear; sentences may not
            assert len(CHINESE.findall(text)) <= 4, (key, state, text)
        else:
            assert CHINESE.search(text), (key, state, text)
