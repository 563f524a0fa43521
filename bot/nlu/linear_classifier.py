"""Intent classifier and FAQ response selector in one linear model.

Why: on two cores DIET + ResponseSelector train for minutes, take ~100 s to load, and
answer with confidence 1.0 even when wrong, so fallback and clarification never fire.
A TF-IDF weighted logistic regression over the pipeline's word and character n-gram
counts trains in seconds, loads at once, and its probabilities mean something.

One model scores every label of the training data: plain intents ("greet") and
retrieval sub-intents ("faq/reason"). The intent ranking sums the sub-intents into their
retrieval intent ("faq"); the response selector output gives, per retrieval intent, the
sub-intents' probabilities conditional on that intent, in the format Rasa's own
ResponseSelector writes, so `utter_faq`, `rasa test nlu` and custom actions all read it.
"""

from __future__ import annotations

import json
import logging
from collections import defaultdict
from typing import Any, Dict, List, Optional, Text, Type

import numpy as np
import scipy.sparse as sp
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.nlu.constants import (
    RESPONSE_SELECTOR_PREDICTION_KEY,
    RESPONSE_SELECTOR_PROPERTY_NAME,
    RESPONSE_SELECTOR_RANKING_KEY,
    RESPONSE_SELECTOR_RESPONSES_KEY,
    RESPONSE_SELECTOR_RETRIEVAL_INTENTS,
    RESPONSE_SELECTOR_UTTER_ACTION_KEY,
)
from rasa.nlu.featurizers.featurizer import Featurizer
from rasa.shared.nlu.constants import (
    FEATURE_TYPE_SENTENCE,
    INTENT,
    INTENT_NAME_KEY,
    INTENT_RANKING_KEY,
    INTENT_RESPONSE_KEY,
    PREDICTED_CONFIDENCE_KEY,
    RESPONSE_IDENTIFIER_DELIMITER,
    TEXT,
)
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

logger = logging.getLogger(__name__)

_ARRAYS = "arrays.npz"
_META = "meta.json"
_ANCHOR = "anchor.npz"


def _sentence_features(message: Message) -> sp.csr_matrix:
    """The concatenated sparse sentence features of all featurizers, one row.

    The same matrix as `message.get_sparse_features(TEXT)[1]`, without also combining the
    sequence features (deep copies and a wide hstack per featurizer) that this classifier
    never reads: about half the NLU time per message.
    """
    rows = [
        f.features
        for f in message.features
        if f.attribute == TEXT and f.is_sparse() and f.type == FEATURE_TYPE_SENTENCE
    ]
    if not rows:
        raise ValueError("LinearIntentClassifier needs sparse featurizers before it.")
    return sp.csr_matrix(sp.hstack(rows), dtype=np.float64)


def _softmax(logits: np.ndarray) -> np.ndarray:
    shifted = logits - logits.max(axis=1, keepdims=True)
    exp = np.exp(shifted)
    return exp / exp.sum(axis=1, keepdims=True)


def _save_anchor(path: Any, anchor: Any) -> None:
    vectorizer, coef, intercept = anchor
    np.savez_compressed(
        path,
        vocabulary=np.array(sorted(vectorizer.vocabulary_, key=vectorizer.vocabulary_.get)),
        idf=vectorizer.idf_.astype(np.float32),
        coef=coef,
        intercept=intercept,
    )


def _load_anchor(path: Any) -> Any:
    """The char 1-4 vectorizer rebuilt from its vocabulary and idf (no pickle in the model)."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    arrays = np.load(path)
    vocabulary = {str(gram): i for i, gram in enumerate(arrays["vocabulary"])}
    vectorizer = TfidfVectorizer(
        analyzer="char", ngram_range=(1, 4), sublinear_tf=True, dtype=np.float32, vocabulary=vocabulary
    )
    vectorizer.idf_ = arrays["idf"]
    return vectorizer, arrays["coef"], arrays["intercept"]


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class LinearIntentClassifier(GraphComponent, IntentClassifier):
    """TF-IDF + multinomial logistic regression over intents and retrieval sub-intents."""

    @classmethod
    def required_components(cls) -> List[Type]:
        return [Featurizer]

    @staticmethod
    def required_packages() -> List[Text]:
        return ["sklearn"]

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {
            # inverse regularisation strength of the logistic regression
            "C": 20.0,
            "max_iter": 2000,
            # log(1 + count) instead of raw counts
            "sublinear_tf": True,
            "ranking_length": 10,
            # weight of a second model in the average: TF-IDF char 1-4 + logistic regression over
            # the raw text (the anchor of bot.nlu.evaluate), 0 = none (chosen by `make nlu-cv`)
            "anchor_weight": 0.0,
            "anchor_C": 10.0,
        }

    def __init__(
        self,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        labels: Optional[List[Text]] = None,
        idf: Optional[np.ndarray] = None,
        coef: Optional[np.ndarray] = None,
        intercept: Optional[np.ndarray] = None,
        responses: Optional[Dict[Text, List[Dict[Text, Any]]]] = None,
        anchor: Optional[Any] = None,
    ) -> None:
        self._config = {**self.get_default_config(), **config}
        self._model_storage = model_storage
        self._resource = resource
        self._labels = labels or []
        # empty until trained or loaded
        self._idf: np.ndarray = idf if idf is not None else np.zeros(0)
        self._coef: np.ndarray = coef if coef is not None else np.zeros((0, 0), dtype=np.float32)
        self._intercept: np.ndarray = intercept if intercept is not None else np.zeros(0, dtype=np.float32)
        self._responses = responses or {}
        # (vectorizer, coef, intercept) of the blended char 1-4 model, its labels in self._labels' order
        self._anchor = anchor

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> LinearIntentClassifier:
        return cls(config, model_storage, resource)

    # -- features -----------------------------------------------------------------

    def _weigh(self, counts: sp.csr_matrix) -> sp.csr_matrix:
        """TF-IDF weighting and L2 normalisation of raw n-gram counts (row by row)."""
        weighted = sp.csr_matrix(counts, dtype=np.float64, copy=True)
        if self._config["sublinear_tf"]:
            weighted.data = np.log1p(weighted.data)
        weighted.data *= self._idf[weighted.indices]
        rows = np.repeat(np.arange(weighted.shape[0]), np.diff(weighted.indptr))
        norms = np.sqrt(np.bincount(rows, weights=weighted.data**2, minlength=weighted.shape[0]))
        norms[norms == 0] = 1.0
        weighted.data /= norms[rows]
        return weighted

    # -- training -----------------------------------------------------------------

    def train(self, training_data: TrainingData) -> Resource:
        from sklearn.linear_model import LogisticRegression

        examples = [e for e in training_data.intent_examples if e.get(TEXT)]
        if not examples:
            logger.debug("No intent examples: LinearIntentClassifier stays untrained.")
            return self._resource
        counts = sp.vstack([_sentence_features(e) for e in examples]).tocsr()
        targets = [e.get_full_intent() for e in examples]

        document_frequency = np.asarray((counts > 0).sum(axis=0)).ravel()
        self._idf = np.log((1 + counts.shape[0]) / (1 + document_frequency)) + 1.0

        model = LogisticRegression(
            C=self._config["C"],
            max_iter=self._config["max_iter"],
            class_weight="balanced",
            random_state=42,
        )
        model.fit(self._weigh(counts), targets)
        self._labels = [str(label) for label in model.classes_]
        self._coef = model.coef_.astype(np.float32)
        self._intercept = model.intercept_.astype(np.float32)
        if self._config["anchor_weight"] > 0:
            self._anchor = self._train_anchor([e.get(TEXT) for e in examples], targets)
        self._responses = {
            name: list(variations)
            for name, variations in training_data.responses.items()
            if RESPONSE_IDENTIFIER_DELIMITER in name
        }
        self.persist()
        return self._resource

    def _train_anchor(self, texts: List[Text], targets: List[Text]) -> Any:
        """The char 1-4 TF-IDF logistic regression, its classes in the order of self._labels."""
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import LogisticRegression

        vectorizer = TfidfVectorizer(analyzer="char", ngram_range=(1, 4), sublinear_tf=True, dtype=np.float32)
        model = LogisticRegression(C=self._config["anchor_C"], max_iter=self._config["max_iter"], random_state=42)
        model.fit(vectorizer.fit_transform(texts), targets)
        coef, intercept = model.coef_, model.intercept_
        if coef.shape[0] == 1:  # two classes: one logit, the same softmax as [0, logit]
            coef, intercept = np.vstack([np.zeros_like(coef), coef]), np.concatenate([[0.0], intercept])
        order = [list(model.classes_).index(label) for label in self._labels]
        return vectorizer, coef[order].astype(np.float32), intercept[order].astype(np.float32)

    def persist(self) -> None:
        with self._model_storage.write_to(self._resource) as directory:
            np.savez_compressed(
                directory / _ARRAYS,
                idf=self._idf,
                coef=self._coef,
                intercept=self._intercept,
            )
            (directory / _META).write_text(
                json.dumps(
                    {"labels": self._labels, "responses": self._responses},
                    ensure_ascii=False,
                ),
                encoding="utf-8",
            )
            if self._anchor is not None:
                _save_anchor(directory / _ANCHOR, self._anchor)

    @classmethod
    def load(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> LinearIntentClassifier:
        try:
            with model_storage.read_from(resource) as directory:
                arrays = np.load(directory / _ARRAYS)
                meta = json.loads((directory / _META).read_text(encoding="utf-8"))
                anchor = _load_anchor(directory / _ANCHOR) if (directory / _ANCHOR).exists() else None
        except (ValueError, FileNotFoundError):
            logger.debug("LinearIntentClassifier has no trained model; it stays idle.")
            return cls(config, model_storage, resource)
        return cls(
            config,
            model_storage,
            resource,
            labels=meta["labels"],
            idf=arrays["idf"],
            coef=arrays["coef"],
            intercept=arrays["intercept"],
            responses=meta["responses"],
            anchor=anchor,
        )

    # -- prediction ---------------------------------------------------------------

    def label_probabilities(self, message: Message) -> Dict[Text, float]:
        """Probability of every training label, sub-intents like "faq/reason" included."""
        features = self._weigh(_sentence_features(message))
        logits = self._coef[:, features.indices] @ features.data + self._intercept
        probabilities = _softmax(logits[np.newaxis, :])[0]
        weight = self._config["anchor_weight"]
        if weight > 0 and self._anchor is not None:
            vectorizer, coef, intercept = self._anchor
            row = vectorizer.transform([message.get(TEXT) or ""])
            anchor_logits = coef[:, row.indices] @ row.data + intercept
            probabilities = (1 - weight) * probabilities + weight * _softmax(anchor_logits[np.newaxis, :])[0]
        return {label: float(p) for label, p in zip(self._labels, probabilities, strict=True)}

    def process(self, messages: List[Message]) -> List[Message]:
        if not self._labels:
            return messages
        for message in messages:
            self._annotate(message, self.label_probabilities(message))
        return messages

    def _annotate(self, message: Message, probabilities: Dict[Text, float]) -> None:
        intents: Dict[Text, float] = defaultdict(float)
        sub_intents: Dict[Text, Dict[Text, float]] = defaultdict(dict)
        for label, probability in probabilities.items():
            intent, _sep, key = label.partition(RESPONSE_IDENTIFIER_DELIMITER)
            intents[intent] += probability
            if key:
                sub_intents[intent][label] = probability

        ranking = sorted(intents.items(), key=lambda item: -item[1])
        length = self._config["ranking_length"] or len(ranking)
        message.set(
            INTENT,
            {INTENT_NAME_KEY: ranking[0][0], PREDICTED_CONFIDENCE_KEY: ranking[0][1]},
            add_to_output=True,
        )
        message.set(
            INTENT_RANKING_KEY,
            [{INTENT_NAME_KEY: name, PREDICTED_CONFIDENCE_KEY: confidence} for name, confidence in ranking[:length]],
            add_to_output=True,
        )

        selector: Dict[Text, Any] = {RESPONSE_SELECTOR_RETRIEVAL_INTENTS: sorted(sub_intents)}
        for intent, scores in sub_intents.items():
            total = sum(scores.values()) or 1.0
            keyed = sorted(scores.items(), key=lambda item: -item[1])
            best_key, best_score = keyed[0]
            utter_action = f"utter_{best_key}"
            selector[intent] = {
                RESPONSE_SELECTOR_PREDICTION_KEY: {
                    RESPONSE_SELECTOR_RESPONSES_KEY: self._responses.get(utter_action, []),
                    PREDICTED_CONFIDENCE_KEY: best_score / total,
                    INTENT_RESPONSE_KEY: best_key,
                    RESPONSE_SELECTOR_UTTER_ACTION_KEY: utter_action,
                    "template_name": utter_action,
                },
                RESPONSE_SELECTOR_RANKING_KEY: [
                    {PREDICTED_CONFIDENCE_KEY: score / total, INTENT_RESPONSE_KEY: key} for key, score in keyed[:length]
                ],
            }
        message.set(RESPONSE_SELECTOR_PROPERTY_NAME, selector, add_to_output=True)
