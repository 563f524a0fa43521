import numpy as np
import scipy.sparse as sp
from rasa.shared.nlu.training_data.message import Message

from bot.nlu.linear_classifier import LinearIntentClassifier


def make(labels, coef, intercept, idf):
    return LinearIntentClassifier(
        {},
        None,
        None,
        labels=labels,
        idf=np.array(idf, dtype=float),
        coef=np.array(coef, dtype=np.float32),
        intercept=np.array(intercept, dtype=np.float32),
    )


def test_weighting_is_sublinear_tfidf_with_unit_rows():
    model = make(["a"], [[0, 0, 0, 0]], [0], [1.0, 2.0, 3.0, 4.0])
    counts = sp.csr_matrix(np.array([[1, 0, 2, 0], [0, 0, 0, 0], [0, 3, 0, 1]]))
    expected = np.log1p(counts.toarray()) * model._idf
    norms = np.linalg.norm(expected, axis=1)
    norms[norms == 0] = 1
    assert np.allclose(model._weigh(counts).toarray(), expected / norms[:, None])


def test_sub_intents_sum_into_their_retrieval_intent_and_select_a_response():
    model = make(["faq/a", "faq/b", "greet"], [[0], [0], [0]], [0, 0, 0], [1.0])
    message = Message(data={"text": "x"})
    model._annotate(message, {"faq/a": 0.5, "faq/b": 0.2, "greet": 0.3})
    assert message.get("intent") == {"name": "faq", "confidence": 0.7}
    selector = message.get("response_selector")
    assert selector["all_retrieval_intents"] == ["faq"]
    response = selector["faq"]["response"]
    assert response["intent_response_key"] == "faq/a"
    assert response["utter_action"] == "utter_faq/a"
    assert abs(response["confidence"] - 0.5 / 0.7) < 1e-9
    assert [r["intent_response_key"] for r in selector["faq"]["ranking"]] == ["faq/a", "faq/b"]


def test_sentence_features_are_rasas_combined_sentence_features():
    from rasa.shared.nlu.training_data.features import Features

    from bot.nlu.linear_classifier import _sentence_features

    message = Message(data={"text": "x"})
    for origin, width in (("words", 3), ("chars", 4), ("pinyin", 2)):
        sequence = sp.coo_matrix(np.ones((2, width)))
        sentence = sp.coo_matrix(np.arange(1, width + 1, dtype=float)[None, :] * len(origin))
        message.add_features(Features(sequence, "sequence", "text", origin))
        message.add_features(Features(sentence, "sentence", "text", origin))
    _sequence, expected = message.get_sparse_features("text")
    assert np.array_equal(_sentence_features(message).toarray(), expected.features.toarray())
