"""Finding 1: the action server is closed to anyone but Rasa; every server listens on loopback."""

import json
import socket
import uuid

from tests.conftest import ACTION_SERVER_TOKEN, STAFF_TOKEN
from tests.e2e.chat import Chat, texts
from tests.security.attack import request


def forged_call(action: str, sender: str) -> dict:
    """What the attack posted: a made-up tracker asking for a hand-off or a subscription."""
    return {
        "next_action": action,
        "sender_id": sender,
        "version": "3.6.21",
        "domain": {},
        "tracker": {
            "sender_id": sender,
            "slots": {},
            "latest_message": {"text": "hi", "intent": {}},
            "events": [],
            "latest_input_channel": "rest",
            "paused": False,
        },
    }


def queued(servers) -> list:
    status, _h, body = request("GET", f"{servers.web}/api/handoffs", headers={"Authorization": f"Bearer {STAFF_TOKEN}"})
    assert status == 200
    return [h["conversation_id"] for h in json.loads(body)["handoffs"]]


def test_forged_action_calls_are_refused_and_change_nothing(servers):
    sender = f"forged-{uuid.uuid4().hex[:8]}"
    for headers in ({}, {"Authorization": "Bearer guess"}, {"Authorization": ACTION_SERVER_TOKEN}):
        for action in ("action_handoff", "action_subscribe_restoration", "action_unsubscribe_restoration"):
            status, _h, _b = request("POST", f"{servers.actions}/webhook", forged_call(action, sender), headers)
            assert status == 401
        assert request("GET", f"{servers.actions}/actions", headers=headers)[0] == 401
    assert sender not in queued(servers)
    # the secret is what is checked: with it the same server answers (probes stay open)
    ok = request(
        "POST",
        f"{servers.actions}/webhook",
        forged_call("action_session_start", sender),
        {"Authorization": f"Bearer {ACTION_SERVER_TOKEN}"},
    )
    assert ok[0] == 200 and json.loads(ok[2])["events"][0]["event"] == "session_started"
    assert request("GET", f"{servers.actions}/health")[0] == 200


def test_rasa_sends_the_secret_so_custom_actions_still_run(servers):
    chat = Chat(servers.rasa)
    assert "转接人工" in texts(chat.say("我要找真人"))  # action_handoff, through the action server
    assert chat.sender in queued(servers)


def test_the_web_apps_stand_in_also_wants_the_secret(servers):
    assert request("POST", f"{servers.web}/webhook", forged_call("action_session_start", "x"))[0] == 401


def listening_addresses(port: int) -> set:
    """Local addresses listening on `port` (from /proc/net/tcp and tcp6)."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = open(table).read().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            local, state = line.split()[1], line.split()[3]
            address, port_hex = local.split(":")
            if state == "0A" and int(port_hex, 16) == port:  # LISTEN
                if len(address) == 8:
                    found.add(socket.inet_ntop(socket.AF_INET, bytes.fromhex(address)[::-1]))
                else:
                    raw = bytes.fromhex(address)
                    found.add(
                        socket.inet_ntop(socket.AF_INET6, b"".join(raw[i : i + 4][::-1] for i in range(0, 16, 4)))
                    )
    return found


def test_every_server_listens_on_loopback_only(servers):
    for url in (servers.rasa, servers.actions, servers.web):
        port = int(url.rsplit(":", 1)[1])
        addresses = listening_addresses(port)
        assert addresses and addresses <= {"127.0.0.1", "::1"}, (url, addresses)
