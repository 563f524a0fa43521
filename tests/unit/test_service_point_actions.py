"""The finder action's answers, with the live list replaced by a fixed one."""

import asyncio

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

import actions.service_points as finder
from bot.service_points.store import parse_points


def tracker(text, slots=None, metadata=None, entities=()):
    return Tracker(
        "u1",
        slots or {},
        {
            "text": text,
            "intent": {"name": "find_service_point"},
            "entities": list(entities),
            "metadata": metadata or {},
        },
        [],
        False,
        None,
        {},
        "action_listen",
    )


def run(monkeypatch, points, state):
    async def current_points():
        return parse_points(points)

    monkeypatch.setattr(finder, "current_points", current_points)
    dispatcher = CollectingDispatcher()
    asyncio.run(finder.ActionFindServicePoint().run(dispatcher, state, {}))
    return dispatcher.messages[0]


HERE = {"location": {"latitude": 23.12, "longitude": 113.35}}
NO_COORDINATES = [{"id": "t", "name": "天河点", "district": "天河", "address": "A路1号"}]


def test_a_location_with_no_located_points_offers_the_districts(monkeypatch):
    message = run(monkeypatch, NO_COORDINATES, tracker("附近", metadata=HERE))
    assert "请告诉我您在哪个区" in message["text"]
    assert [b["title"] for b in message["buttons"]][:2] == ["越秀", "海珠"]


def test_a_location_ranks_the_located_points(monkeypatch):
    located = [{**NO_COORDINATES[0], "latitude": 23.125, "longitude": 113.36}]
    message = run(monkeypatch, located, tracker("附近", metadata=HERE))
    assert "离您最近" in message["text"] and "天河点" in message["text"] and not message["buttons"]


@pytest.mark.parametrize(
    "entities, lead",
    [
        ([{"entity": "place", "value": "深圳"}], "深圳不在广州市"),
        ([], "没有识别到广州市的区名"),
    ],
)
def test_no_district_asks_again_with_buttons(monkeypatch, entities, lead):
    message = run(monkeypatch, NO_COORDINATES, tracker("?", entities=entities))
    assert message["text"].startswith(lead) and len(message["buttons"]) == 11


def test_a_district_lists_its_points(monkeypatch):
    message = run(monkeypatch, NO_COORDINATES, tracker("天河", slots={"district": "天河"}))
    assert "天河点" in message["text"] and "A路1号" in message["text"]


def test_the_form_validation_needs_no_domain_from_rasa():
    """Rasa sends the validation no domain (domain.yml: no `send_domain`); the form's slots come
    from domain.yml, as rasa_sdk would have read them from the domain Rasa sent."""
    from rasa.shared.core.domain import Domain

    domain = Domain.load(str(finder.DOMAIN_FILE))
    assert not domain.does_custom_action_explicitly_need_domain("validate_service_point_form")
    form = finder.ValidateServicePointForm()
    from rasa_sdk import FormValidationAction

    assert form.domain_slots({}) == FormValidationAction.domain_slots(form, domain.as_dict())  # rasa_sdk's reading
    assert form.domain_slots({}) == domain.as_dict()["forms"]["service_point_form"]["required_slots"] == ["district"]
    entity = [{"entity": "district", "value": "天河"}]
    for case in (
        tracker("天河", {"requested_slot": "district"}, entities=entity),
        tracker("我在佛山", {"requested_slot": "district"}),
        tracker("附近", metadata={"location": {"latitude": 23.1, "longitude": 113.3}}),
    ):
        answers = [asyncio.run(form.run(CollectingDispatcher(), case, d)) for d in ({}, domain.as_dict())]
        assert answers[0] == answers[1]  # without the domain as with it
