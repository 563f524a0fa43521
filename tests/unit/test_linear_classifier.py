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


def test_the_blended_anchor_is_saved_and_loaded_without_pickle_and_averages_probabilities(tmp_path):
    from bot.nlu.linear_classifier import _load_anchor, _save_anchor

    model = LinearIntentClassifier({"anchor_weight": 0.5}, None, None, labels=["greet", "thank"])
    texts, targets = ["你好", "您好呀", "hello", "谢谢", "多谢", "thanks"], ["greet"] * 3 + ["thank"] * 3
    anchor = model._train_anchor(texts, targets)
    _save_anchor(tmp_path / "anchor.npz", anchor)
    loaded = _load_anchor(tmp_path / "anchor.npz")
    for text in ("你好啊", "thank you", "多谢晒"):
        assert np.allclose(anchor[0].transform([text]).toarray(), loaded[0].transform([text]).toarray(), atol=1e-6)
    assert np.allclose(anchor[1], loaded[1]) and np.allclose(anchor[2], loaded[2])

    # the main model says nothing (zero weights): the blend is half uniform, half the anchor's
    model._idf, model._coef, model._intercept = np.ones(1), np.zeros((2, 1), np.float32), np.zeros(2, np.float32)
    model._anchor = loaded
    model_features = [sp.csr_matrix(np.ones((1, 1)))]
    import bot.nlu.linear_classifier as module

    original = module._sentence_features
    module._sentence_features = lambda _message: model_features[0]
    try:
        probabilities = model.label_probabilities(Message(data={"text": "谢谢你"}))
    finally:
        module._sentence_features = original
    assert probabilities["thank"] > 0.5 > probabilities["greet"]
    assert abs(sum(probabilities.values()) - 1) < 1e-6 and probabilities["greet"] > 0.25
