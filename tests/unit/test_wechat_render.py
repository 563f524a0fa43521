from bot.wechat.render import OptionMemory, option_payload, pack, render

BUTTONS = [
    {"title": "查找线下服务点", "payload": "/find_service_point"},
    {"title": "转人工", "payload": "/request_human"},
]


def test_markdown_and_buttons_become_plain_numbered_text():
    rendered = render(
        [
            {"text": "**线下开具**，详见 [公告](https://example.gov.cn/a)\n- 纸质发票"},
            {"text": "下一步：", "buttons": BUTTONS},
            {"custom": {"data": {"handoff": True}}},
        ]
    )
    assert rendered.parts == [
        "线下开具，详见 公告 https://example.gov.cn/a\n• 纸质发票",
        "下一步：\n回复 1：查找线下服务点\n回复 2：转人工",
    ]
    assert rendered.options == BUTTONS
    assert rendered.handoff


def test_one_numbering_rule_whether_a_turn_is_rendered_at_once_or_message_by_message():
    turn = [{"text": "a", "buttons": BUTTONS[:1]}, {"text": "b", "buttons": BUTTONS[1:]}]
    at_once, one_by_one = OptionMemory(), OptionMemory()
    whole = at_once.render("u", turn).parts
    pieces = [one_by_one.render("u", [message]).parts[0] for message in turn]
    assert whole == pieces == ["a\n回复 1：查找线下服务点", "b\n回复 2：转人工"]


def test_a_number_maps_to_the_option_the_channel_showed_that_user():
    memory = OptionMemory()
    memory.render("u", [{"text": "old", "buttons": [{"title": "old", "payload": "/old"}]}])
    assert memory.take_reply("u", "网上开不了发票") == "网上开不了发票"  # a new turn: old options done
    memory.render("u", [{"text": "a", "buttons": BUTTONS[:1]}, {"text": "b", "buttons": BUTTONS[1:]}])
    memory.render("other", [{"text": "x", "buttons": [{"title": "x", "payload": "/x"}]}])
    assert memory.take_reply("u", " 2 ") == "/request_human"
    assert memory.take_reply("u", "1") == "1"  # options are used once: the turn after has its own
    assert memory.take_reply("other", "1") == "/x"
    assert memory.take_reply("nobody", "1") == "1"


def test_option_payload_only_for_a_bare_number_that_was_offered():
    assert option_payload("1", BUTTONS) == "/find_service_point"
    assert option_payload("3", BUTTONS) is None and option_payload("12366", BUTTONS) is None
    assert option_payload("1个问题", BUTTONS) is None


def test_option_memory_is_bounded():
    memory = OptionMemory(max_users=2)
    for user in ("a", "b", "c"):
        memory.render(user, [{"text": "x", "buttons": BUTTONS}])
    assert memory.take_reply("a", "1") == "1" and memory.take_reply("c", "1") == "/find_service_point"


def test_pack_keeps_each_message_within_2048_bytes():
    parts = ["甲" * 400, "乙" * 400, "丙" * 1000]
    packed = pack(parts)
    assert all(len(p.encode()) <= 2048 for p in packed)
    assert "".join(packed).replace("\n", "") == "".join(parts)
    # 1200 + 2 + 1200 bytes do not fit one message; 3000 bytes of 丙 are cut in two
    assert [len(p) for p in packed] == [400, 400, 682, 318]
    assert pack(["短", "消息"]) == ["短\n\n消息"]
