"""bot/rasa_patches.py changes what an action call costs, not what Rasa accepts."""

import jsonschema
import pytest
from rasa.core.actions.action import RemoteAction
from rasa.utils.endpoints import EndpointConfig

from bot import rasa_patches

GOOD = [
    {"events": [], "responses": []},
    {"events": [{"event": "slot", "name": "outage_state", "value": "normal"}], "responses": [{"text": "好"}]},
    {"events": [{"event": "followup", "name": "action_listen"}, {"event": "reset_slots"}]},
    {},
]
BAD = [
    {"events": [{"event": "slot", "value": "x"}]},  # a slot event without its name
    {"events": [{"event": "no_such_event"}]},
    {"events": {"event": "slot"}},  # not a list
    {"responses": ["text"]},  # a response that is not an object
    {"events": [{"name": "x"}]},  # an event without its type
]


def action() -> RemoteAction:
    return RemoteAction("action_x", EndpointConfig("http://127.0.0.1:9/webhook"))


@pytest.mark.parametrize("answer", GOOD)
def test_valid_answers_pass_as_before(answer):
    assert jsonschema.validate(answer, RemoteAction.action_response_format_spec()) is None  # Rasa's own check
    rasa_patches.apply()
    assert action()._validate_action_result(answer) is True


@pytest.mark.parametrize("answer", BAD)
def test_malformed_answers_are_still_rejected_with_rasas_error(answer):
    with pytest.raises(jsonschema.ValidationError) as stock:
        jsonschema.validate(answer, RemoteAction.action_response_format_spec())
    rasa_patches.apply()
    assert RemoteAction._validate_action_result is rasa_patches._validate_action_result
    with pytest.raises(jsonschema.ValidationError) as patched:
        action()._validate_action_result(answer)
    assert patched.value.message.startswith(stock.value.message)  # the same (best-matching) error
    assert "Failed to validate Action server response" in patched.value.message


def test_the_schema_is_checked_and_the_validator_built_once():
    assert rasa_patches.action_answer_validator() is rasa_patches.action_answer_validator()


def test_the_rasa_server_loads_the_patch_with_the_tracker_store():
    import bot.tracker_store  # noqa: F401  (endpoints.yml names it: every Rasa server imports it)

    assert RemoteAction._validate_action_result is rasa_patches._validate_action_result


def test_events_resolve_to_rasas_classes():
    from rasa.shared.core import events
    from rasa.shared.utils.common import all_subclasses

    rasa_patches.apply()
    for cls in all_subclasses(events.Event):
        first = next(c for c in all_subclasses(events.Event) if c.type_name == cls.type_name)
        assert events.Event.resolve_by_type(cls.type_name) is first
        assert events.Event.resolve_by_type(cls.type_name) is first  # from the table
    assert events.Event.resolve_by_type("topic") is None
    assert events.Event.resolve_by_type("no_such", default=events.SlotSet) is events.SlotSet
    with pytest.raises(ValueError):
        events.Event.resolve_by_type("no_such")
    assert events.Event.from_parameters({"event": "slot", "name": "a", "value": 1}) == events.SlotSet("a", 1)


async def test_action_calls_reuse_one_session_per_endpoint():
    from aiohttp import web

    rasa_patches.apply()
    peers = []

    async def answer(request):
        peers.append(request.transport.get_extra_info("peername"))
        return web.json_response({"events": [], "responses": []})

    app = web.Application()
    app.router.add_post("/webhook", answer)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]
    try:
        endpoint = EndpointConfig(f"http://127.0.0.1:{port}/webhook")
        for _ in range(3):
            assert await endpoint.request(json={"x": 1}, method="post") == {"events": [], "responses": []}
        assert len(set(peers)) == 1  # one connection, kept
    finally:
        session = endpoint.__dict__["_kept_session"][1]
        await session.close()
        await runner.cleanup()
