"""The dashboard's figures on the real servers: the tally the tracker store keeps as it saves
is what computing them over every recorded event gives."""

import json
import urllib.request

from bot.conversations.tracker_db import TrackerDb
from bot.faq.catalogue import load_catalogue
from bot.insights.stats import compute
from tests.conftest import STAFF_TOKEN
from tests.e2e.chat import Chat


def staff_get(url):
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {STAFF_TOKEN}"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())


def test_the_live_tally_equals_the_figures_over_every_recorded_event(servers):
    before = staff_get(f"{servers.web}/api/stats")
    chat = Chat(servers.rasa)
    for text in ("为什么暂停开票", "今天天气怎么样", "网上开不了发票怎么办"):
        assert chat.say(text)
    missed = Chat(servers.rasa)
    assert missed.say("今天天气怎么样")

    after = staff_get(f"{servers.web}/api/stats")
    assert after["conversations"] == before["conversations"] + 2
    assert after["user_messages"] == before["user_messages"] + 4
    assert after["unresolved"] == before["unresolved"] + 1  # the first chat's miss was followed by an answer
    everything = TrackerDb(f"sqlite:///{servers.env['TRACKER_DB']}").all_conversations()
    recomputed = compute(everything, list(load_catalogue()))
    for key in ("conversations", "handoffs", "unresolved", "user_messages", "per_day"):
        assert after[key] == recomputed[key], key
    # the dashboard adds each topic's title
    assert [{k: v for k, v in row.items() if k != "title"} for row in after["feedback"]] == recomputed["feedback"]
    assert [(t["topic"], t["count"]) for t in after["top_topics"]] == [
        (t["topic"], t["count"]) for t in recomputed["top_topics"]
    ]
    questions = staff_get(f"{servers.web}/api/unanswered")["questions"]
    assert [q["conversation_id"] for q in questions[:1]] == [missed.sender]
