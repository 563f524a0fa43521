"""Pinyin typed without characters reaches the classifier as the characters the training data
writes for those sounds; English and Chinese messages are left exactly as they were."""

from rasa.engine.graph import ExecutionContext
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.nlu.normalize import fold_with_offsets
from bot.nlu.pinyin_input import build_lexicon, spell_pinyin
from bot.nlu.tokenizer import SimplifiedJiebaTokenizer

TRAINING = ["电子发票什么时候恢复", "线下开票的流程是什么", "開票平台用唔到", "恢复了告诉我一下", "几时能好"]


def _spelled(text: str, lexicon) -> str:
    return spell_pinyin(*fold_with_offsets(text), lexicon)[0]


def test_pinyin_words_are_spelled_as_the_training_data_writes_them():
    lexicon = build_lexicon(TRAINING)
    # a traditional or Cantonese example teaches its folded spelling
    assert lexicon["kai piao"] == "开票" and lexicon["ping tai"] == "平台"
    assert _spelled("dianzi fapiao shenme shihou huifu", lexicon) == "电子发票什么时候恢复"
    assert _spelled("Xianxia kaipiao liucheng?", lexicon) == "线下开票流程?"
    # spelled before the Cantonese fold: "jishi" is 几时, then read as the Mandarin 什么时候
    assert _spelled("kaipiao pingtai jishi neng hao", lexicon) == "开票平台什么时候能好"
    # a word no entry spells stays as typed
    assert _spelled("kaipiao pingtai zhuangtai", lexicon) == "开票平台 zhuangtai"


def test_english_chinese_and_short_latin_messages_are_unchanged():
    lexicon = build_lexicon(TRAINING)
    for text in ("can I book a time", "where is the tax office", "电子发票什么时候恢复", "fapiao", "ni hao"):
        folded, origin = fold_with_offsets(text)
        assert spell_pinyin(folded, origin, lexicon) == (folded, origin)
    # without a lexicon (a model trained with the option off) nothing changes either
    folded, origin = fold_with_offsets("dianzi fapiao shenme shihou huifu")
    assert spell_pinyin(folded, origin, {}) == (folded, origin)


def test_spelled_tokens_point_into_the_typed_text(tmp_path):
    storage = LocalModelStorage(tmp_path)
    resource = Resource("tokenizer")
    config = {**SimplifiedJiebaTokenizer.get_default_config(), "pinyin_lexicon": True}
    context = ExecutionContext(graph_schema=None, node_name="tokenizer")
    trained = SimplifiedJiebaTokenizer.create(config, storage, resource, context)
    trained.train(TrainingData([Message(data={"text": t, "intent": "x"}) for t in TRAINING]))
    tokenizer = SimplifiedJiebaTokenizer.load(config, storage, resource, context)
    text = "dianzi fapiao shenme shihou huifu"
    tokens = tokenizer.tokenize(Message(data={"text": text}), "text")
    assert "".join(t.text for t in tokens) == "电子发票什么时候恢复"
    for token in tokens:
        assert 0 <= token.start < token.end <= len(text)
    assert tokens[0].start == 0 and tokens[-1].end == len(text)
