import pytest

from bot.wechat.messages import MAX_XML_BYTES, XmlError, cdata, parse_xml, text_reply, transfer_reply

TEXT_MESSAGE = """<xml>
  <ToUserName><![CDATA[gh_123456789abc]]></ToUserName>
  <FromUserName><![CDATA[oUser123]]></FromUserName>
  <CreateTime>1700000000</CreateTime>
  <MsgType><![CDATA[text]]></MsgType>
  <Content><![CDATA[  我的快递到哪了？ ]]></Content>
  <MsgId>1234567890123456</MsgId>
  <Empty></Empty>
  <Outer><Inner>nested</Inner></Outer>
</xml>"""


def test_parse_plain_text_message():
    fields = parse_xml(TEXT_MESSAGE.encode("utf-8"))
    assert fields == {
        "ToUserName": "gh_123456789abc",
        "FromUserName": "oUser123",
        "CreateTime": "1700000000",
        "MsgType": "text",
        "Content": "我的快递到哪了？",
        "MsgId": "1234567890123456",
        "Empty": "",
        "Outer": "",
    }
    assert parse_xml(TEXT_MESSAGE) == fields


def test_billion_laughs_is_rejected():
    body = """<?xml version="1.0"?>
<!DOCTYPE xml [
  <!ENTITY lol "lol">
  <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
  <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
]>
<xml><Content>&lol2;</Content></xml>"""
    with pytest.raises(XmlError):
        parse_xml(body)


def test_external_entity_is_rejected():
    body = b"""<?xml version="1.0"?>
<!DOCTYPE xml [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<xml><Content>&xxe;</Content></xml>"""
    with pytest.raises(XmlError):
        parse_xml(body)


def test_doctype_alone_is_rejected():
    with pytest.raises(XmlError):
        parse_xml('<!DOCTYPE xml SYSTEM "http://example.com/x.dtd"><xml><A>1</A></xml>')


@pytest.mark.parametrize("body", [b"", b"<xml><A>1</xml>", b"not xml", b"<xml>", "<xml><A>\x00</A></xml>"])
def test_malformed_xml_is_rejected(body):
    with pytest.raises(XmlError):
        parse_xml(body)


def test_body_over_the_cap_is_rejected():
    padding = "x" * MAX_XML_BYTES
    with pytest.raises(XmlError, match="too large"):
        parse_xml(f"<xml><Content>{padding}</Content></xml>".encode())
    with pytest.raises(XmlError, match="too large"):
        parse_xml("<xml><Content>" + "中" * (MAX_XML_BYTES // 3) + "</Content></xml>")  # counted in bytes


def test_wrong_root_is_rejected():
    with pytest.raises(XmlError, match="root"):
        parse_xml("<message><Content>hi</Content></message>")


def test_cdata_splits_terminator():
    assert cdata("a]]>b") == "<![CDATA[a]]]]><![CDATA[>b]]>"
    assert parse_xml(f"<xml><A>{cdata('x]]>]]>y')}</A></xml>")["A"] == "x]]>]]>y"


@pytest.mark.parametrize("content", ["hello", "你好 <b>粗体</b> & more", "end ]]> tricky <b>]]></b>", "]]>"])
def test_text_reply_round_trips(content):
    reply = text_reply("oUser123", "gh_123456789abc", content, create_time=1700000000)
    assert parse_xml(reply) == {
        "ToUserName": "oUser123",
        "FromUserName": "gh_123456789abc",
        "CreateTime": "1700000000",
        "MsgType": "text",
        "Content": content,
    }


def test_text_reply_defaults_create_time():
    assert parse_xml(text_reply("u", "g", "hi"))["CreateTime"].isdigit()


def test_transfer_reply():
    fields = parse_xml(transfer_reply("oUser123", "gh_123456789abc", create_time=1700000001))
    assert fields == {
        "ToUserName": "oUser123",
        "FromUserName": "gh_123456789abc",
        "CreateTime": "1700000001",
        "MsgType": "transfer_customer_service",
    }


def fields(**extra):
    return {"ToUserName": "gh_1", "FromUserName": "oUser", "CreateTime": "1700000000", **extra}


def test_incoming_text_voice_location_and_events():
    from bot.wechat.messages import incoming

    text = incoming(fields(MsgType="text", Content="你好", MsgId="9"))
    assert (text.text, text.openid, text.account, text.retry_key) == ("你好", "oUser", "gh_1", ("oUser", "9"))
    assert incoming(fields(MsgType="voice", Recognition="为什么暂停", MsgId="1")).text == "为什么暂停"
    location = incoming(fields(MsgType="location", Location_X="23.1", Location_Y="113.3", MsgId="2"))
    assert location.text == "/find_service_point"
    assert location.metadata == {"location": {"latitude": 23.1, "longitude": 113.3}}
    subscribe = incoming(fields(MsgType="event", Event="subscribe"))
    assert subscribe.text == "/greet" and subscribe.retry_key == ("oUser", "t1700000000")
    unsubscribe = incoming(fields(MsgType="event", Event="unsubscribe"))
    assert unsubscribe.text == "" and unsubscribe.reply is None
    for unknown in (fields(MsgType="image", PicUrl="x"), fields(MsgType="voice"), fields(MsgType="made-up")):
        message = incoming(unknown)
        assert message.text == "" and "文字" in message.reply
    # kept whole: the channel's limit policy (bot/ratelimit.py) refuses an over-long message
    assert len(incoming(fields(MsgType="text", Content="长" * 5000, MsgId="3")).text) == 5000


@pytest.mark.parametrize(
    "bad", [fields(MsgType="location", Location_X="north", MsgId="1"), {"MsgType": "text", "Content": "hi"}]
)
def test_incoming_refuses_bad_fields(bad):
    from bot.wechat.messages import incoming

    with pytest.raises(XmlError):
        incoming(bad)
