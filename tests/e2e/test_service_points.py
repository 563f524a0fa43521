"""Issue 4 end to end: the finder by district, by question, by location; live updates."""

import time

from tests.conftest import STAFF_TOKEN
from tests.e2e.chat import Chat, button_titles, texts
from tests.e2e.test_live_status import http

# Test data only, written to the session's own database through the staff API.
TIANHE = {
    "name": "测试天河办税服务厅",
    "district": "天河",
    "address": "测试路1号",
    "latitude": 23.125,
    "longitude": 113.36,
    "hours": "工作日 9:00-17:00",
    "phone": "020-00000000",
}
PANYU = {
    "name": "测试番禺办税服务厅",
    "district": "番禺",
    "address": "测试大道2号",
    "latitude": 22.94,
    "longitude": 113.38,
}


def put_point(servers, point_id, body, token=STAFF_TOKEN):
    return http("PUT", f"{servers.web}/api/service-points/{point_id}", body, token)


def setup_points(servers):
    assert put_point(servers, "tianhe-tax-bureau", TIANHE)[0] == 200
    assert put_point(servers, "panyu-tax-bureau", PANYU)[0] == 200
    time.sleep(1.2)


def test_public_list_and_staff_only_writes(servers):
    status, body = http("GET", f"{servers.web}/api/service-points")
    assert status == 200 and len(body["service_points"]) >= 11
    assert put_point(servers, "tianhe-tax-bureau", TIANHE, token=None)[0] == 401
    status, body = put_point(servers, "tianhe-tax-bureau", {**TIANHE, "district": "深圳"})
    assert status == 422 and body["field"] == "district"


def test_district_in_the_question_lists_its_points_with_address(servers):
    setup_points(servers)
    for question in ("天河区的办税服务厅在哪里", "tianhe有服务点吗", "天河區邊度可以開發票"):
        text = texts(Chat(servers.rasa).say(question))
        assert "测试天河办税服务厅" in text and "测试路1号" in text, (question, text)
        assert "出发前请先致电服务点或拨打12366确认" in text and "尚未与官方来源核对" in text


def test_missing_district_is_asked_then_answered(servers):
    setup_points(servers)
    chat = Chat(servers.rasa)
    asked = chat.say("我想线下开票，最近的服务厅在哪")
    assert "哪个区" in texts(asked) and "番禺" in button_titles(asked)
    listed = texts(chat.say("番禺"))
    assert "测试番禺办税服务厅" in listed and "测试大道2号" in listed


def test_a_place_outside_guangzhou_gets_the_district_list(servers):
    chat = Chat(servers.rasa)
    text = texts(chat.say("深圳有没有服务点"))
    assert "深圳不在广州市" in text and "11个区" in text and "增城" in text
    assert "佛山不在广州市" in texts(chat.say("佛山"))
    assert "没有识别到广州市的区名" in texts(chat.say("火星"))
    assert "测试番禺办税服务厅" in texts(chat.say("番禺"))


def test_location_metadata_lists_the_three_nearest_with_distance(servers):
    setup_points(servers)
    reply = Chat(servers.rasa).say(
        "附近哪里能线下开票", metadata={"location": {"latitude": 23.12, "longitude": 113.35}}
    )
    text = texts(reply)
    assert "离您最近" in text and text.index("测试天河") < text.index("测试番禺")
    assert "公里" in text
