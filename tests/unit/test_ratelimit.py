from bot.ratelimit import SenderLimiter


def test_burst_then_steady_rate_per_sender():
    limiter = SenderLimiter(burst=3, per_second=1.0)
    assert [limiter.allow("a", now=0.0) for _ in range(4)] == [True, True, True, False]
    assert limiter.allow("b", now=0.0)  # another sender has its own bucket
    assert not limiter.allow("a", now=0.5)
    assert limiter.allow("a", now=1.6)


def test_memory_is_bounded():
    limiter = SenderLimiter(burst=1, per_second=0.0, max_senders=2)
    for sender in ("a", "b", "c"):
        assert limiter.allow(sender, now=0.0)
    assert limiter.allow("a", now=0.0)  # "a" was evicted: a fresh bucket


def test_json_log_lines():
    import json
    import logging

    from bot.logs import JsonFormatter

    record = logging.LogRecord("bot.web", logging.WARNING, __file__, 1, "状态 %s", ("normal",), None)
    entry = json.loads(JsonFormatter().format(record))
    assert entry["level"] == "warning" and entry["message"] == "状态 normal" and entry["logger"] == "bot.web"
