"""The action server's stand-in speaks Rasa's protocol: sessions start, lookups apologise."""

from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from bot.web import action_standby


async def client():
    app = web.Application()
    app["action_server_token"] = "secret"
    app.add_routes(action_standby.routes)
    test_client = TestClient(TestServer(app))
    await test_client.start_server()
    return test_client


async def test_session_start_and_lookups():
    rasa = {"Authorization": "Bearer secret"}
    c = await client()
    try:
        started = await (await c.post("/webhook", json={"next_action": "action_session_start"}, headers=rasa)).json()
        assert [e["event"] for e in started["events"]] == ["session_started", "action"]
        lookup = await (await c.post("/webhook", json={"next_action": "action_outage_status"}, headers=rasa)).json()
        assert lookup["events"] == [] and lookup["responses"][0]["response"] == "utter_cannot_look_up"
        assert "12366" in lookup["responses"][0]["hotline"]
        # an outcome the rules turn into words (data/rules/handoff.yml: utter_handoff_unavailable)
        handoff = await (await c.post("/webhook", json={"next_action": "action_handoff"}, headers=rasa)).json()
        assert handoff == {
            "events": [{"event": "slot", "name": "handoff_outcome", "value": "standby"}],
            "responses": [],
        }
        miss = await (await c.post("/webhook", json={"next_action": "action_handle_miss"}, headers=rasa)).json()
        assert miss["events"] == [{"event": "slot", "name": "miss_outcome", "value": "unreachable"}]
        assert (await c.post("/webhook", data=b"{oops", headers=rasa)).status == 400
        # Rasa's call with a long tracker: over the web app's 64 KB limit for public bodies, still answered
        big = {"next_action": "action_outage_status", "tracker": {"events": [{"text": "问" * 100}] * 1000}}
        app = web.Application(client_max_size=64 * 1024)
        app["action_server_token"] = "secret"
        app.add_routes(action_standby.routes)
        limited = TestClient(TestServer(app))
        await limited.start_server()
        try:
            answered = await limited.post("/webhook", json=big, headers=rasa)
            assert answered.status == 200
            assert (await answered.json())["responses"][0]["response"] == "utter_cannot_look_up"
        finally:
            await limited.close()
        # anyone else: 401, nothing runs
        assert (await c.post("/webhook", json={"next_action": "action_session_start"})).status == 401
        wrong = {"Authorization": "Bearer guess"}
        assert (await c.post("/webhook", json={"next_action": "action_session_start"}, headers=wrong)).status == 401
    finally:
        await c.close()


def test_every_standby_outcome_has_a_rule_that_answers_it():
    """Each outcome the stand-in sets is a value of its slot and a rule says something after it."""
    from pathlib import Path

    import yaml

    root = Path(__file__).resolve().parents[2]
    slots = yaml.safe_load((root / "domain.yml").read_text(encoding="utf-8"))["slots"]
    rules = [
        rule["steps"]
        for path in sorted((root / "data" / "rules").glob("*.yml"))
        for rule in yaml.safe_load(path.read_text(encoding="utf-8"))["rules"]
    ]
    for action, (slot, value) in action_standby.STANDBY_OUTCOMES.items():
        assert value in slots[slot]["values"], (action, slot, value)
        answered = [
            steps
            for steps in rules
            for i in range(len(steps) - 2)
            if steps[i] == {"action": action}
            and steps[i + 1] == {"slot_was_set": [{slot: value}]}
            and str(steps[i + 2].get("action", "")).startswith("utter_")
        ]
        assert answered, (action, slot, value)
