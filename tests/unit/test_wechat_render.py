from bot.wechat.render import option_payload, options_from_events, pack, render

BUTTONS = [{"title": "查找线下服务点", "payload": "/find_service_point"}, {"title": "转人工", "payload": "/request_human"}]


def test_markdown_and_buttons_become_plain_numbered_text():
    rendered = render([
        {"text": "**线下开具**，详见 [公告](https://example.gov.cn/a)\n- 纸质发票"},
        {"text": "下一步：", "buttons": BUTTONS},
        {"custom": {"data": {"handoff": True}}},
    ])
    assert rendered.parts == [
        "线下开具，详见 公告 https://example.gov.cn/a\n• 纸质发票",
        "下一步：\n回复 1：查找线下服务点\n回复 2：转人工",
    ]
    assert rendered.handoff


def test_a_number_maps_to_the_last_turns_button():
    events = [
        {"event": "bot", "data": {"buttons": [{"title": "old", "payload": "/old"}]}},
        {"event": "user", "text": "网上开不了发票"},
        {"event": "bot", "text": "a", "data": {"buttons": BUTTONS[:1]}},
        {"event": "bot", "text": "b", "data": {"buttons": BUTTONS[1:]}},
    ]
    options = options_from_events(events)
    assert option_payload("1", options) == "/find_service_point"
    assert option_payload(" 2 ", options) == "/request_human"
    assert option_payload("3", options) is None and option_payload("12366", options) is None
    assert option_payload("1个问题", options) is None


def test_pack_keeps_each_message_within_2048_bytes():
    parts = ["甲" * 400, "乙" * 400, "丙" * 1000]
    packed = pack(parts)
    assert all(len(p.encode()) <= 2048 for p in packed)
    assert "".join(packed).replace("\n", "") == "".join(parts)
    # 1200 + 2 + 1200 bytes do not fit one message; 3000 bytes of 丙 are cut in two
    assert [len(p) for p in packed] == [400, 400, 682, 318]
    assert pack(["短", "消息"]) == ["短\n\n消息"]
