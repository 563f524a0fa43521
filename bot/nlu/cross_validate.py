"""Choose featurisation, C and the answer/clarify/decline thresholds on the training data only.

Why: thresholds tuned on an evaluation set stop measuring what visitors meet. Here every
choice comes from grouped k-fold cross-validation over `data/nlu/`: paraphrases of one
question (examples whose character bigrams overlap by half or more, after folding
traditional to simplified, within one label) stay in one fold, so a fold is never scored
on a near-copy of its training examples. The pipeline is rebuilt in scikit-learn (Jieba
words on the folded text + character n-grams, TF-IDF, logistic regression), the same
features `config.yml` gives `LinearIntentClassifier`; the out-of-fold probabilities then
go through the bot's own decision code (Rasa's FallbackClassifier rule,
`bot.faq.decision`) for every threshold combination.

    python -m bot.nlu.cross_validate            # make nlu-cv; writes results/nlu_cv.json
"""

from __future__ import annotations

import argparse
import itertools
import json
import re
import time
from collections import Counter
from functools import lru_cache
from pathlib import Path
from typing import Any, Dict, List, Sequence, Tuple

import numpy as np

from bot.nlu.normalize import fold, to_simplified

PUNCTUATION = re.compile(r"[\s，。！？,.!?、~～…]+")
FOLDS = 5
# the objective: right answers minus wrong ones (see README: a cost of 4 was tried first)
WRONG_COST = 1.0
# threshold combinations whose scores differ by less than this are treated as equal (0.1 point)
TIE = 0.001
# the featurisation of config.yml's pipeline
CONFIGURED = "pipeline+cues+canto+pinyin13+global+spell"
# the lexicon of "+spell" (bot.nlu.pinyin_input), built from all training texts by main(): it only
# maps sounds to the characters the data writes them with (the tokenizer builds it from its data)
_LEXICON: Dict[str, str] = {}
EXTRAS = {"cue", "cues", "char", "canto", "pinyin", "pinyin13", "global", "spell"}


def load_training(path: str = "data/nlu") -> Tuple[List[str], List[str]]:
    from rasa.shared.nlu.training_data.loading import load_data

    examples = [m for m in load_data(path).intent_examples if m.get("text")]
    return [m.get("text") for m in examples], [m.get_full_intent() for m in examples]


def _bigrams(text: str) -> set:
    folded = PUNCTUATION.sub("", to_simplified(text))
    return {folded[i : i + 2] for i in range(len(folded) - 1)} or {folded}


def paraphrase_groups(texts: Sequence[str], labels: Sequence[str], overlap: float = 0.5) -> List[int]:
    """A group id per example: near-paraphrases within a label share one (union-find)."""
    parent = list(range(len(texts)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    grams = [_bigrams(t) for t in texts]
    by_label: Dict[str, List[int]] = {}
    for i, label in enumerate(labels):
        by_label.setdefault(label, []).append(i)
    for members in by_label.values():
        for a, b in itertools.combinations(members, 2):
            union = len(grams[a] | grams[b])
            if union and len(grams[a] & grams[b]) / union >= overlap:
                parent[root(a)] = root(b)
    return [root(i) for i in range(len(texts))]


@lru_cache(maxsize=None)
def _jieba_words(text: str, canto: bool = False, spell: bool = False) -> List[str]:
    import jieba

    from bot.nlu.pinyin_input import spell_pinyin

    folded = fold(text) if canto else to_simplified(text)
    if spell:
        folded = spell_pinyin(folded, list(range(len(folded))), _LEXICON)[0]
    return [w for w in jieba.lcut(folded) if w.strip()]


def make_features(kind: str):
    """A scikit-learn featuriser: "anchor", or "pipeline" (Jieba words + char_wb 1-4) with
    any of "+cue" (domain cue), "+char" (char 1-4), "+canto" (Cantonese fold before all),
    "+spell" (messages typed in pinyin spelled in characters, bot.nlu.pinyin_input),
    "+pinyin" (pinyin syllable 2-3-grams), "+pinyin13" (1-3-grams), "+cues" (all the cue
    columns of bot.nlu.domain_cue, not only cue/no cue), "+global" (raw counts concatenated, then one
    TF-IDF weighting and L2 normalisation of the whole row, as LinearIntentClassifier does;
    without it each block is weighed and normalised apart), e.g. "pipeline+cue+pinyin"."""
    from functools import partial

    from sklearn.feature_extraction.text import TfidfTransformer, TfidfVectorizer
    from sklearn.pipeline import FeatureUnion, make_pipeline

    from bot.nlu.pinyin import pinyin_ngrams

    if kind == "anchor":
        return TfidfVectorizer(analyzer="char", ngram_range=(1, 4), sublinear_tf=True)
    base, *extras = kind.split("+")
    if base != "pipeline" or not set(extras) <= EXTRAS:
        raise ValueError(kind)
    if "global" in extras:  # raw counts here, weighed once after the union
        TfidfVectorizer = partial(TfidfVectorizer, use_idf=False, norm=None, sublinear_tf=False)  # noqa: N806
    else:
        TfidfVectorizer = partial(TfidfVectorizer, sublinear_tf=True)  # noqa: N806
    canto = "canto" in extras
    spell = "spell" in extras
    folded = fold if canto else to_simplified
    parts = [
        ("words", TfidfVectorizer(analyzer=lambda t: _jieba_words(t, canto, spell))),
        (
            "char_wb",
            TfidfVectorizer(
                analyzer="char_wb",
                ngram_range=(1, 4),
                preprocessor=lambda t: " ".join(_jieba_words(t, canto, spell)),
            ),
        ),
    ]
    if "char" in extras:
        char = TfidfVectorizer(
            analyzer="char",
            ngram_range=(1, 4),
            preprocessor=lambda t: PUNCTUATION.sub(" ", folded(t)),
        )
        parts.append(("char", char))
    if "cue" in extras or "cues" in extras:
        parts.append(("cue", _cue_transformer(6 if "cues" in extras else 2)))
    if "pinyin" in extras or "pinyin13" in extras:
        low = 1 if "pinyin13" in extras else 2
        parts.append(("pinyin", TfidfVectorizer(analyzer=lambda t: pinyin_ngrams(t, low, 3))))
    if "global" in extras:
        return make_pipeline(FeatureUnion(parts), TfidfTransformer(sublinear_tf=True))
    return FeatureUnion(parts)


def _cue_transformer(columns: int = 2):
    """bot.nlu.domain_cue's cue features (the first `columns`) as a scikit-learn transformer."""
    from sklearn.preprocessing import FunctionTransformer

    from bot.nlu.domain_cue import cue_vector

    return FunctionTransformer(lambda texts: np.array([cue_vector(t)[:columns] for t in texts]))


def out_of_fold(texts, labels, groups, kind: str, C: float, balanced: bool = True, folds: int = FOLDS, extra=((), ())):
    """Out-of-fold label probabilities (rows: examples, columns: classes) and the classes.

    `extra` (texts, labels) join every training fold and are never scored: the folds of the
    other examples stay those of a run without them, so adding data is measured on the same
    questions, split the same way (a new grouping reshuffles every fold)."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import GroupKFold
    from sklearn.preprocessing import normalize

    classes = sorted(set(labels) | set(extra[1]))
    probabilities = np.zeros((len(texts), len(classes)))
    y = np.array(labels)
    for train, test in GroupKFold(n_splits=folds).split(texts, labels, groups):
        features = make_features(kind)
        x_train = normalize(features.fit_transform([texts[i] for i in train] + list(extra[0])))
        x_test = normalize(features.transform([texts[i] for i in test]))
        model = LogisticRegression(C=C, max_iter=2000, class_weight="balanced" if balanced else None, random_state=42)
        model.fit(x_train, list(y[train]) + list(extra[1]))
        columns = [classes.index(c) for c in model.classes_]
        probabilities[np.ix_(test, columns)] = model.predict_proba(x_test)
    return probabilities, classes


def parse_of(
    probabilities: np.ndarray, classes: List[str], fallback: float, ambiguity: float, thresholds
) -> Dict[str, Any]:
    """The parse Rasa would produce: LinearIntentClassifier, FallbackClassifier, FaqAnswerFallback."""
    from bot.faq.decision import ANSWER, decide

    intents: Counter = Counter()
    faq: Dict[str, float] = {}
    for label, p in zip(classes, probabilities, strict=True):
        intent, _sep, key = label.partition("/")
        intents[intent] += p
        if key:
            faq[label] = p
    ranking = [{"name": n, "confidence": c} for n, c in intents.most_common(10)]
    total = sum(faq.values()) or 1.0
    parse: Dict[str, Any] = {
        "intent": dict(ranking[0]),
        "intent_ranking": ranking,
        "entities": [],
        "response_selector": {
            "faq": {
                "ranking": [
                    {"intent_response_key": k, "confidence": v / total}
                    for k, v in sorted(faq.items(), key=lambda kv: -kv[1])[:10]
                ]
            }
        },
    }
    first = ranking[0]["confidence"]
    second = ranking[1]["confidence"] if len(ranking) > 1 else 0.0
    if first < fallback or first - second < ambiguity:
        parse["intent"] = {"name": "nlu_fallback", "confidence": fallback}
    elif parse["intent"]["name"] == "faq" and decide(parse, thresholds=thresholds).kind != ANSWER:
        parse["intent"] = {"name": "nlu_fallback", "confidence": first}
    return parse


def outcomes(probabilities, classes, labels, fallback, ambiguity, thresholds, texts=None) -> Dict[str, float]:
    """What visitors would see; with `texts`, after the out-of-scope guard (bot.nlu.scope_guard)."""
    from bot.nlu.evaluate import OUTCOMES, outcome
    from bot.nlu.scope_guard import guarded_intent

    seen: Counter = Counter()
    for index, (row, label) in enumerate(zip(probabilities, labels, strict=True)):
        parse = parse_of(row, classes, fallback, ambiguity, thresholds)
        if texts is not None:
            parse["text"] = texts[index]
            parse["intent"]["name"] = guarded_intent(parse["intent"]["name"], texts[index])
        seen[outcome(label, parse, None, thresholds)] += 1
    return {k: seen[k] / len(labels) for k in OUTCOMES}


def blend_anchor(texts, labels, groups, probabilities, classes, weight, anchor_c, folds, results):
    """(1 - weight) x the model's out-of-fold probabilities + weight x the anchor's (one per weight
    in 0, 0.1 .. 0.5 reported; `weight` is the one kept for the threshold search)."""
    anchor, anchor_classes = out_of_fold(texts, labels, groups, "anchor", anchor_c, balanced=False, folds=folds)
    assert anchor_classes == classes
    kept = probabilities
    for w in sorted({0.0, 0.1, 0.2, 0.3, 0.4, 0.5, weight}):
        mixed = (1 - w) * probabilities + w * anchor
        accuracy = float(np.mean([classes[i] == t for i, t in zip(mixed.argmax(axis=1), labels, strict=True)]))
        results["models"][f"blend anchor C={anchor_c:g} w={w:g}"] = round(accuracy, 4)
        print(f"  blend with the anchor (C={anchor_c:g}) w={w:g}: grouped CV accuracy {accuracy:.3f}")
        if w == weight:
            kept = mixed
    return kept, f"blend anchor C={anchor_c:g} w={weight:g}"


def main(argv: List[str] | None = None) -> int:
    from dataclasses import replace

    from bot.faq.decision import configured_thresholds

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--train", default="data/nlu")
    parser.add_argument("--out", default="results/nlu_cv.json")
    parser.add_argument("--wrong-cost", type=float, default=WRONG_COST, help="score = right - cost x wrong")
    parser.add_argument(
        "--compare",
        action="store_true",
        help="also score the anchor and the other featurisations (slow: minutes each)",
    )
    parser.add_argument(
        "--model",
        action="append",
        default=[],
        help="KIND:C to score instead of the configured one, e.g. pipeline+cue+canto+pinyin:50 (repeatable)",
    )
    parser.add_argument(
        "--also-score",
        help="a folder of NLU data: also report the scores on its examples alone (e.g. the data before a change)",
    )
    parser.add_argument(
        "--probabilities",
        help="the .npz a former run saved beside its --out: search the thresholds again without refitting",
    )
    parser.add_argument(
        "--added",
        help="a folder of NLU data added to every training fold and never scored (measure new data on the same folds)",
    )
    parser.add_argument("--folds", type=int, default=FOLDS, help="fewer to explore quickly; the choices use 5")
    parser.add_argument("--no-thresholds", action="store_true", help="accuracy only, no threshold search")
    parser.add_argument("--no-guard", action="store_true", help="score without the out-of-scope guard")
    parser.add_argument(
        "--blend",
        type=float,
        default=None,
        help="also fit the anchor (char 1-4 TF-IDF LR) out of fold and average: (1-w) x model + w x anchor",
    )
    parser.add_argument("--anchor-C", type=float, default=10.0, help="C of the blended anchor")
    parser.add_argument(
        "--ambiguity",
        default="0.05,0.1,0.15",
        help="comma-separated FallbackClassifier ambiguity thresholds to search (top two intents closer than this)",
    )
    parser.add_argument("--fallbacks", default="0.3,0.35,0.4,0.45,0.5,0.55", help="FallbackClassifier thresholds")
    parser.add_argument("--min-confidences", default="0.25,0.3,0.35,0.4,0.45,0.5", help="FAQ answer thresholds")
    parser.add_argument("--domain-floors", default="0.2,0.3,0.45")
    parser.add_argument("--clarify-margins", default="0.25", help="FAQ: first no more than this ahead of second")
    parser.add_argument("--option-floors", default="0.05,0.08,0.12")
    args = parser.parse_args(argv)

    texts, labels = load_training(args.train)
    groups = paraphrase_groups(texts, labels)
    added = load_training(args.added) if args.added else ((), ())
    from bot.nlu.pinyin_input import build_lexicon

    _LEXICON.update(build_lexicon(list(texts) + list(added[0])))
    print(f"{len(texts)} training examples in {len(set(groups))} paraphrase groups, {args.folds} folds")

    # the configured pipeline (config.yml) first; the others only with --compare
    configured = [(kind, float(C)) for kind, C in (m.rsplit(":", 1) for m in args.model)] or [(CONFIGURED, 200.0)]
    candidates = configured + (
        [
            ("anchor", 10.0),
            ("pipeline+cues+canto+pinyin13+global", 200.0),  # the fourth round: pinyin not spelled
            ("pipeline+cue", 50.0),  # before the Cantonese fold and pinyin
            ("pipeline+cue+canto", 50.0),
            ("pipeline+cue+canto+pinyin", 50.0),  # pinyin 2-3-grams only
            ("pipeline+cue+canto+pinyin13+char", 50.0),
        ]
        if args.compare
        else []
    )
    results: Dict[str, Any] = {"groups": len(set(groups)), "models": {}, "thresholds": {}}
    best_model, best_accuracy, best_probabilities, best_classes = None, -1.0, None, None
    if args.probabilities:
        saved = np.load(args.probabilities)
        candidates = [(f"saved {args.probabilities}", 0.0)]
    for kind, C in candidates:
        started = time.perf_counter()
        if args.probabilities:
            probabilities, classes = saved["probabilities"], [str(c) for c in saved["classes"]]
        else:
            probabilities, classes = out_of_fold(
                texts, labels, groups, kind, C, balanced=kind != "anchor", folds=args.folds, extra=added
            )
        predicted = [classes[i] for i in probabilities.argmax(axis=1)]
        accuracy = float(np.mean([p == t for p, t in zip(predicted, labels, strict=True)]))
        name = f"{kind} C={C:g}"
        results["models"][name] = round(accuracy, 4)
        print(f"  {name:<22} grouped CV accuracy {accuracy:.3f} ({time.perf_counter() - started:.0f} s)")
        if args.also_score:
            subset = set(load_training(args.also_score)[0])
            hits = [p == t for p, t, x in zip(predicted, labels, texts, strict=True) if x in subset]
            results["models"][f"{name} on {args.also_score}"] = round(float(np.mean(hits)), 4)
            print(f"  {'':<22} on the {len(hits)} examples of {args.also_score}: {np.mean(hits):.3f}")
        if kind != "anchor" and accuracy > best_accuracy:
            best_model, best_accuracy = name, accuracy
            best_probabilities, best_classes = probabilities, classes
    results["best_model"] = best_model
    assert best_probabilities is not None and best_classes is not None
    if args.blend is not None:
        best_probabilities, best_model = blend_anchor(
            texts, labels, groups, best_probabilities, best_classes, args.blend, args.anchor_C, args.folds, results
        )
        results["best_model"] = best_model
    # the out-of-fold probabilities, so that the thresholds can be searched again without refitting
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(Path(args.out).with_suffix(".npz"), probabilities=best_probabilities, classes=best_classes)
    # the out-of-fold misreadings of the best model, to see which styles and topics are thin
    results["errors"] = [
        {"text": t, "expected": label, "predicted": best_classes[int(row.argmax())], "p": round(float(row.max()), 3)}
        for t, label, row in zip(texts, labels, best_probabilities, strict=True)
        if best_classes[int(row.argmax())] != label
    ]

    if args.no_thresholds:
        Path(args.out).parent.mkdir(parents=True, exist_ok=True)
        Path(args.out).write_text(json.dumps(results, indent=2), "utf-8")
        return 0
    grid = itertools.product(
        [float(a) for a in args.ambiguity.split(",")],  # FallbackClassifier ambiguity threshold
        *(
            [float(v) for v in values.split(",")]
            for values in (
                args.fallbacks,
                args.min_confidences,
                args.domain_floors,
                args.option_floors,
                args.clarify_margins,
            )
        ),
    )
    scored = []
    for ambiguity, fallback, min_confidence, domain_floor, option_floor, margin in grid:
        thresholds = replace(
            configured_thresholds(),
            min_confidence=min_confidence,
            domain_floor=domain_floor,
            option_floor=option_floor,
            clarify_margin=margin,
        )
        seen = outcomes(
            best_probabilities, best_classes, labels, fallback, ambiguity, thresholds, None if args.no_guard else texts
        )
        score = seen["right"] - args.wrong_cost * seen["wrong"]
        key = (
            f"ambiguity={ambiguity} fallback={fallback} min_confidence={min_confidence} domain_floor={domain_floor} "
            f"option_floor={option_floor} clarify_margin={margin}"
        )
        results["thresholds"][key] = {k: round(v, 4) for k, v in seen.items()}
        scored.append((score, key, seen))
    results["wrong_cost"] = args.wrong_cost
    # scores within TIE of the best are equal (a few examples of 2,800): of those, the one with the
    # fewest wrong answers (the issue prefers "您是想问" to a wrong answer), then the most clarified
    top = max(score for score, _key, _seen in scored)
    scored.sort(key=lambda item: (item[0] < top - TIE, item[2]["wrong"], -item[2]["clarified"], -item[0]))
    for score, key, seen in scored[:5]:
        print(
            f"  {key}: right {seen['right']:.3f}, clarified {seen['clarified']:.3f}, "
            f"can't help {seen['cant_help']:.3f}, wrong {seen['wrong']:.3f} (score {score:.3f})"
        )
    results["best_thresholds"] = scored[0][1]
    print(f"best model: {best_model}; best thresholds: {scored[0][1]}")
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(results, indent=2), "utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
