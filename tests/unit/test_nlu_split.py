"""The held-out split is never training data, and the contract ids are all trained."""
import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
ANNOTATION = re.compile(r"\[([^\]]+)\](\([^)]*\)|\{[^}]*\})")


def normalise(text: str) -> str:
    return re.sub(r"[\s，。！？,.!?、~～]", "", ANNOTATION.sub(r"\1", text)).lower()


def examples(path: Path):
    for block in yaml.safe_load(path.read_text(encoding="utf-8"))["nlu"]:
        if "intent" in block:
            for line in block["examples"].splitlines():
                if line.strip().startswith("- "):
                    yield block["intent"], line.strip()[2:]


def test_heldout_examples_are_not_in_training_data():
    trained = {normalise(t) for f in (ROOT / "data" / "nlu").glob("*.yml") for _i, t in examples(f)}
    leaked = [t for _i, t in examples(ROOT / "tests" / "nlu" / "heldout.yml") if normalise(t) in trained]
    assert leaked == []


def test_every_contract_id_has_enough_training_and_heldout_examples():
    topics = yaml.safe_load((ROOT / "data" / "faq_topics.yml").read_text(encoding="utf-8"))
    wanted = {f"faq/{t}" for t in topics} | {
        "ask_outage_status", "find_service_point", "request_human", "greet", "goodbye",
        "thank", "affirm", "deny", "bot_challenge", "out_of_scope",
    }
    trained, held = {}, {}
    for f in (ROOT / "data" / "nlu").glob("*.yml"):
        for intent, _t in examples(f):
            trained[intent] = trained.get(intent, 0) + 1
    for intent, _t in examples(ROOT / "tests" / "nlu" / "heldout.yml"):
        held[intent] = held.get(intent, 0) + 1
    assert {i for i in wanted if trained.get(i, 0) < 15} == set()
    assert {i for i in wanted if held.get(i, 0) < 10} == set()
