"""The spellings visitors use reach the classifier as one vocabulary: traditional and
Cantonese words fold to Mandarin with their offsets kept, and homophone typos share
pinyin features with the word they mistype."""

import scipy.sparse as sp
from rasa.engine.graph import ExecutionContext
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.nlu.normalize import fold, fold_with_offsets, to_simplified
from bot.nlu.pinyin import PinyinFeaturizer, pinyin_ngrams
from bot.nlu.tokenizer import SimplifiedJiebaTokenizer


def test_cantonese_and_traditional_fold_to_the_mandarin_of_the_training_data():
    assert fold("電子發票幾時好返？") == "电子发票什么时候恢复?"
    assert fold("冇得開票點算") == "没法开票怎么办"
    assert fold("去邊度開票") == "去哪里开票"
    assert fold("係唔係壞咗") == "是不是坏了"
    # Mandarin words that merely contain a Cantonese character are left alone
    assert fold("系统几点恢复") == "系统几点恢复"
    assert to_simplified("電子發票") == "电子发票"


def test_every_folded_character_points_into_the_original_text():
    text = "張發票幾時攞到？點算"
    folded, origin = fold_with_offsets(text)
    assert len(origin) == len(folded)
    assert origin == sorted(origin) and origin[-1] < len(text)
    # 什么时候 comes from 幾時 (characters 3-4)
    start = folded.index("什么时候")
    assert {origin[i] for i in range(start, start + 4)} == {3, 4}


def test_tokens_of_a_cantonese_message_keep_the_original_offsets(tmp_path):
    tokenizer = SimplifiedJiebaTokenizer(
        SimplifiedJiebaTokenizer.get_default_config(), LocalModelStorage(tmp_path), Resource("tokenizer")
    )
    text = "天河邊度可以開票"
    tokens = tokenizer.tokenize(Message(data={"text": text}), "text")
    assert "哪里" in [t.text for t in tokens]
    for token in tokens:
        assert 0 <= token.start < token.end <= len(text)
    tianhe = next(t for t in tokens if t.text.startswith("天河"))
    assert text[tianhe.start : tianhe.end].startswith("天河")


def test_homophone_typos_share_the_pinyin_ngrams_of_the_word_they_mistype():
    assert "fa_piao" in pinyin_ngrams("发飘开不了")
    assert "kai_piao" in pinyin_ngrams("开漂")
    assert set(pinyin_ngrams("电子发飘")) == set(pinyin_ngrams("电子发票"))
    # n-grams never cross punctuation or Latin text
    assert "piao_kai" not in pinyin_ngrams("发票，开")
    assert pinyin_ngrams("hello 12366") == []


def test_the_featurizer_trains_persists_loads_and_counts_known_ngrams(tmp_path):
    storage = LocalModelStorage(tmp_path)
    resource = Resource("pinyin")
    context = ExecutionContext(node_name="pinyin", graph_schema=None)  # type: ignore[arg-type]
    featurizer = PinyinFeaturizer.create({}, storage, resource, context)
    featurizer.train(TrainingData([Message(data={"text": "电子发票什么时候恢复", "intent": "ask"})]))

    loaded = PinyinFeaturizer.load({}, storage, resource, context)
    message = Message(data={"text": "电子发飘几时好返"})
    loaded.process([message])
    _sequence, sentence = message.get_sparse_features("text")
    row = sp.csr_matrix(sentence.features)
    vocabulary = loaded._vocabulary
    assert row.shape == (1, len(vocabulary))
    # 电子发飘 reads "dian zi fa piao"; 几时好返 folds to 什么时候恢复
    for gram in ("dian_zi", "fa_piao", "dian_zi_fa", "hui_fu"):
        assert row[0, vocabulary[gram]] == 1.0


def test_88_is_a_goodbye_word_and_other_numbers_stay_numbers():
    assert fold("88") == fold("886") == fold(" 8888 ") == "拜拜"
    assert fold("12月3号能开票吗") == "12月3号能开票吗"
    assert fold("188") == "188" and fold("880") == "880"


def test_pinyin_typed_without_characters_shares_the_ngrams_of_the_characters():
    typed = set(pinyin_ngrams("dianzi fapiao shenme shihou huifu", 1, 3))
    assert typed == set(pinyin_ngrams("电子发票什么时候恢复", 1, 3))
    # English is not read as pinyin, though some of its words are syllables (can, a, he)
    assert pinyin_ngrams("can I book a time at the hall", 1, 3) == []
    assert pinyin_ngrams("why is e-fapiao down", 1, 3) == []


def test_cues_of_negated_notices_complaints_and_other_services():
    from bot.nlu.domain_cue import cue_vector

    cue, no_cue, negated, complaint, other_service, other_city = cue_vector("以后别再给我发恢复提醒了")
    assert (cue, no_cue, negated, complaint) == (1.0, 0.0, 1.0, 0.0)
    assert cue_vector("恢复了请通知我")[2] == 0.0
    assert cue_vector("开不了票耽误了我一单生意，我要投诉")[3] == 1.0
    assert cue_vector("社保卡在哪里补办")[4:] == [1.0, 0.0]
    assert cue_vector("東莞的電子發票也停了嗎")[4:] == [0.0, 1.0]
