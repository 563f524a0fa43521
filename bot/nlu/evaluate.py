"""Score a trained model on the held-out split by the catalogue's contract.

The contract (shared/spec/faq_topics.md): a FAQ question must parse to intent `faq` with
the response selector's key `faq/<id>`; any other question to its intent name. The score
is the share of held-out examples whose parsed label equals the expected label. It also
reports the TF-IDF anchor (character 1-4-grams + logistic regression, trained on the same
NLU data) so that the pipeline is always measured against it.

    python -m bot.nlu.evaluate --model models/current.tar.gz --min-accuracy 0.90
"""
from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any, Dict, List, Tuple

from rasa.shared.nlu.training_data.loading import load_data

FALLBACK = "nlu_fallback"


def contract_label(parse: Dict[str, Any]) -> str:
    """The label a parse gives under the contract: `faq/<id>` or the intent name."""
    intent = (parse.get("intent") or {}).get("name") or ""
    if intent == FALLBACK:
        ranking = parse.get("intent_ranking") or []
        intent = next((i["name"] for i in ranking if i["name"] != FALLBACK), intent)
    selector = (parse.get("response_selector") or {}).get(intent)
    if selector:
        return selector["response"]["intent_response_key"]
    return intent


def load_examples(path: str) -> List[Tuple[str, str, List[Dict[str, Any]]]]:
    """(text, expected contract label, expected entities) for each example."""
    data = load_data(path)
    return [
        (m.get("text"), m.get_full_intent(), m.get("entities") or [])
        for m in data.intent_examples
    ]


async def parse_all(model: str, texts: List[str]) -> Tuple[List[Dict[str, Any]], float]:
    from rasa.core.agent import Agent

    agent = Agent.load(model)
    started = time.perf_counter()
    parses = [await agent.parse_message(text) for text in texts]
    return parses, (time.perf_counter() - started) / max(len(texts), 1)


def anchor_accuracy(train_path: str, examples: List[Tuple[str, str, Any]]) -> float:
    """TF-IDF over character 1-4-grams + logistic regression: the baseline to beat."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    train = load_data(train_path).intent_examples
    model = make_pipeline(
        TfidfVectorizer(analyzer="char", ngram_range=(1, 4), sublinear_tf=True),
        LogisticRegression(max_iter=2000, C=10),
    )
    model.fit([m.get("text") for m in train], [m.get_full_intent() for m in train])
    predicted = model.predict([text for text, _label, _entities in examples])
    hits = sum(p == label for p, (_t, label, _e) in zip(predicted, examples, strict=True))
    return hits / len(examples)


def entity_hits(expected: List[Dict[str, Any]], parse: Dict[str, Any]) -> Tuple[int, int]:
    """(expected entities found with the right value, expected entities)."""
    found = {(e["entity"], e["value"]) for e in parse.get("entities") or []}
    wanted = [(e["entity"], e["value"]) for e in expected]
    return sum(w in found for w in wanted), len(wanted)


def outcome(expected: str, parse: Dict[str, Any], topics: List[str]) -> str:
    """What the user would see: right answer, clarification offering it, wrong, or miss."""
    from bot.faq.decision import ANSWER, CLARIFY, MISS_INTENTS, decide

    intent = (parse.get("intent") or {}).get("name")
    if intent == "faq" or intent == FALLBACK:
        decision = decide(parse, topics)
        if decision.kind == CLARIFY:
            return "clarified" if expected.split("/")[-1] in decision.topics else "clarified_wrong"
        if decision.kind == ANSWER and intent == "faq":
            return "right" if f"faq/{decision.topics[0]}" == expected else "wrong"
        return "right" if expected == "out_of_scope" else "missed"
    if intent in MISS_INTENTS:
        return "right" if expected == intent else "missed"
    return "right" if expected == intent else "wrong"


def report(examples, parses) -> Dict[str, Any]:
    from bot.faq.catalogue import load_catalogue

    topics = list(load_catalogue())
    outcomes: Counter = Counter()
    per_label: Dict[str, Counter] = defaultdict(Counter)
    errors = []
    fallbacks = 0
    entity_found = entity_total = 0
    for (text, label, entities), parse in zip(examples, parses, strict=True):
        predicted = contract_label(parse)
        per_label[label]["total"] += 1
        if predicted == label:
            per_label[label]["hit"] += 1
        else:
            errors.append({"text": text, "expected": label, "predicted": predicted})
        if (parse.get("intent") or {}).get("name") == FALLBACK:
            fallbacks += 1
        outcomes[outcome(label, parse, topics)] += 1
        found, total = entity_hits(entities, parse)
        entity_found += found
        entity_total += total
    hits = sum(c["hit"] for c in per_label.values())
    return {
        "examples": len(examples),
        "accuracy": hits / len(examples),
        "fallback_rate": fallbacks / len(examples),
        "entity_recall": entity_found / entity_total if entity_total else None,
        "outcomes": {k: round(v / len(examples), 3) for k, v in sorted(outcomes.items())},
        "per_label": {k: round(v["hit"] / v["total"], 3) for k, v in sorted(per_label.items())},
        "errors": errors,
    }


def main(argv: List[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="models/current.tar.gz")
    parser.add_argument("--data", default="tests/nlu/heldout.yml")
    parser.add_argument("--train", default="data/nlu")
    parser.add_argument("--min-accuracy", type=float, default=0.0)
    parser.add_argument("--out", default="results/nlu_heldout.json")
    parser.add_argument("--no-anchor", action="store_true")
    args = parser.parse_args(argv)

    examples = load_examples(args.data)
    parses, seconds_per_parse = asyncio.run(
        parse_all(args.model, [text for text, _l, _e in examples])
    )
    result = report(examples, parses)
    result["parse_ms_mean"] = round(seconds_per_parse * 1000, 2)
    if not args.no_anchor:
        result["anchor_accuracy"] = anchor_accuracy(args.train, examples)

    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(result, ensure_ascii=False, indent=2), "utf-8")
    for error in result["errors"]:
        print(f"  MISS {error['expected']:<28} -> {error['predicted']:<28} {error['text']}")
    print(
        f"held-out: {result['examples']} examples, contract accuracy "
        f"{result['accuracy']:.3f}, fallback rate {result['fallback_rate']:.3f}, "
        f"district recall {result['entity_recall']}, "
        f"anchor {result.get('anchor_accuracy', float('nan')):.3f}; "
        f"what users see: {result['outcomes']} "
        f"(details in {args.out})"
    )
    if result["accuracy"] < args.min_accuracy:
        print(f"FAIL: accuracy below {args.min_accuracy}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
