from bot.db import now_utc
from bot.status.model import OutageStatus
from bot.stores import build_stores, prepare


def make_store(tmp_path):
    """What a web-app start does: build the stores on the database and prepare it."""
    stores = build_stores(f"sqlite:///{tmp_path / 'web.db'}")
    prepare(stores)
    return stores.status


def test_first_start_holds_the_notice_state_and_survives_restarts(tmp_path):
    store = make_store(tmp_path)
    first = store.current()
    assert first.state == "suspended" and first.expected_resume_at is None
    store.put(OutageStatus.from_dict({"state": "normal", "updated_at": now_utc().isoformat()}))
    reopened = make_store(tmp_path)
    assert reopened.current().state == "normal"
    assert [s.state for s in reopened.history()] == ["normal", "suspended"]


def test_subscriptions_are_claimed_once_and_can_be_released(tmp_path):
    store = make_store(tmp_path)
    assert store.subscribe("alice", "socketio")
    assert not store.subscribe("alice", "socketio")  # already pending
    store.subscribe("bob", "rest")
    assert store.unsubscribe("bob") and not store.unsubscribe("bob")
    assert [s.conversation_id for s in make_store(tmp_path).pending()] == ["alice"]
    assert store.mark_notified("alice") and not store.mark_notified("alice")
    assert store.pending() == []
    store.release("alice")
    assert [s.conversation_id for s in store.pending()] == ["alice"]
