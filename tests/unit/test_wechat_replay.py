"""Signed callbacks are fresh and used once: 5-minute window, nonce memory."""

import pytest

from bot.wechat.replay import Replayed, ReplayGuard

NOW = 1_800_000_000.0


@pytest.mark.parametrize("timestamp", [str(int(NOW) - 301), str(int(NOW) + 301), "1000000000", "", "soon"])
def test_a_timestamp_outside_five_minutes_is_refused(timestamp):
    with pytest.raises(Replayed):
        ReplayGuard().check(timestamp, "n1", b"body", now=NOW)


def test_a_nonce_is_used_once_but_the_same_delivery_may_be_retried():
    guard = ReplayGuard()
    guard.check(str(int(NOW) - 299), "n1", b"<xml>a</xml>", now=NOW)
    guard.check(str(int(NOW) - 299), "n1", b"<xml>a</xml>", now=NOW + 1)  # WeChat's retry
    with pytest.raises(Replayed, match="nonce"):
        guard.check(str(int(NOW) - 299), "n1", b"<xml>other</xml>", now=NOW + 1)
    with pytest.raises(Replayed, match="nonce"):
        guard.check(str(int(NOW)), "n1", b"<xml>other</xml>", now=NOW + 1)
    with pytest.raises(Replayed):
        guard.check(str(int(NOW)), "", b"x", now=NOW)


def test_old_nonces_are_forgotten_only_after_their_timestamps_are_stale():
    guard = ReplayGuard()
    guard.check(str(int(NOW)), "n1", b"a", now=NOW)
    with pytest.raises(Replayed):
        guard.check(str(int(NOW)), "n1", b"b", now=NOW + 299)
    guard.check(str(int(NOW) + 700), "n2", b"b", now=NOW + 700)  # n1 forgotten: its timestamp is long stale
    assert len(guard._nonces) == 1
