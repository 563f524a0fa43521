from pathlib import Path

import pytest

from bot.service_points.districts import DISTRICTS, canonical_district
from bot.service_points.phrasing import ask_district, describe_district, describe_nearest
from bot.service_points.store import (
    ServicePointError,
    distance_km,
    in_district,
    load_points,
    nearest,
    parse_point,
    parse_points,
)

ROOT = Path(__file__).resolve().parents[2]


def point(**fields):
    return {"id": "p1", "name": "测试办税服务厅", "district": "天河", **fields}


def test_operator_file_is_valid_and_covers_all_districts():
    points = load_points(ROOT / "data" / "service_points.yml")
    assert {p.district for p in points} == set(DISTRICTS)
    for p in points:
        assert p.verified is None or p.source, p.id  # verified only against a named source


@pytest.mark.parametrize(
    "fields, field",
    [
        ({"district": "深圳"}, "district"),
        ({"name": ""}, "name"),
        ({"latitude": 23.1}, "latitude/longitude"),
        ({"latitude": 40.0, "longitude": 113.3}, "latitude"),
        ({"verified": "2026-11-01"}, "verified"),  # no source
        ({"verified": "last week", "source": "x"}, "verified"),
        ({"services": "代开发票"}, "services"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_bad_entries_name_the_entry_and_the_field(fields, field):
    with pytest.raises(ServicePointError) as error:
        parse_point(point(**fields), 0)
    assert error.value.field == field and error.value.entry == "p1"
    assert "p1" in str(error.value) and field in str(error.value)


def test_duplicate_ids_are_refused():
    with pytest.raises(ServicePointError) as error:
        parse_points({"service_points": [point(), point()]})
    assert error.value.field == "id"


def test_district_names_fold_to_the_canonical_eleven():
    assert canonical_district("天河区") == "天河" and canonical_district("番禺") == "番禺"
    assert canonical_district("深圳") is None and canonical_district(None) is None


def test_lookup_by_district_and_nearest_ranking():
    points = parse_points(
        [
            point(id="a", district="天河", latitude=23.125, longitude=113.36, address="A路1号"),
            point(id="b", district="番禺", latitude=22.94, longitude=113.38),
            point(id="c", district="越秀", latitude=23.13, longitude=113.27),
            point(id="d", district="天河"),  # no coordinates: never ranked by distance
        ]
    )
    assert [p.id for p in in_district(points, "天河")] == ["a", "d"]
    ranked = nearest(points, 23.12, 113.30, count=3)
    assert [p.id for p, _ in ranked] == ["c", "a", "b"]
    assert ranked[0][1] == pytest.approx(distance_km(23.12, 113.30, 23.13, 113.27))
    assert "约" in describe_nearest(ranked) and "出发前请先致电服务点或拨打12366确认" in describe_nearest(ranked)


def test_answers_say_when_unverified_and_always_ask_to_check_first():
    points = parse_points([point(address="A路1号", phone="020-0000")])
    text = describe_district("天河", points)
    assert "A路1号" in text and "尚未与官方来源核对" in text and "出发前请先致电服务点或拨打12366确认" in text


def test_an_entry_without_address_sends_the_visitor_to_the_hotline():
    text = describe_district("天河", parse_points([point()]))
    assert "暂未收录，请拨打12366查询" in text and "尚未与官方来源核对" in text


def test_the_check_first_reminder_comes_with_an_address():
    assert "出发前请先致电服务点或拨打12366确认" in describe_district("天河", parse_points([point(address="A路1号")]))
    assert "出发前" not in describe_district("天河", parse_points([point()]))


def test_a_place_outside_guangzhou_is_named_when_asking_for_the_district():
    text = ask_district(unrecognised=False, place="深圳")
    assert text.startswith("深圳不在广州市") and "增城" in text
    assert ask_district(unrecognised=True).startswith("没有识别到广州市的区名")
    assert ask_district(unrecognised=False).startswith("目前可以查询")


def test_english_answers_label_the_operators_chinese_data_and_use_the_hotline_from_the_data():
    points = parse_points([point(address="A路1号", phone="020-0000", hours="工作日9:00-17:00")])
    text = describe_district("天河", points, lang="en")
    assert text.startswith("Offline tax service points in Tianhe (天河):")
    assert "given in Chinese, as the tax office publishes them" in text
    assert "**测试办税服务厅**" in text and "- Address: A路1号" in text and "- Opening hours: 工作日9:00-17:00" in text
    assert "Not yet checked against an official source" in text
    assert text.endswith("Please call the hall or 12366 to confirm before you go.")
    assert "please call 12366" in describe_district("天河", parse_points([point()]), lang="en")
    assert ask_district(unrecognised=False, place="深圳", lang="en").startswith("深圳 is not in Guangzhou")
    assert "Zengcheng. Which district are you in?" in ask_district(unrecognised=True, lang="en")
    nearest = describe_nearest([(points[0], 1.234)], lang="en")
    assert "(about 1.2 km)" in nearest and "约" not in nearest
