from bot.ratelimit import MAX_MESSAGE_CHARS, TOO_FAST, TOO_LONG, MessagePolicy, SenderLimiter, client_address


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


def test_policy_one_answer_for_too_long_and_one_for_too_fast():
    policy = MessagePolicy(sender_burst=2, sender_per_second=0.0, address_burst=4, address_per_second=0.0)
    assert policy.check("s", "1.2.3.4", "x" * (MAX_MESSAGE_CHARS + 1)) == TOO_LONG
    assert policy.check("s", "1.2.3.4", "你好") is None
    assert policy.check("s", "1.2.3.4", "你好") is None
    assert policy.check("s", "1.2.3.4", "你好") == TOO_FAST  # the conversation's bucket
    # rotating conversation ids: the address's bucket
    assert policy.check("t", "1.2.3.4", "你好") is None
    assert policy.check("u", "1.2.3.4", "你好") == TOO_FAST
    assert policy.check("u", "5.6.7.8", "你好") is None  # another address


def test_policy_without_address_limit():
    policy = MessagePolicy(sender_burst=100, address_burst=0)
    assert all(policy.check(str(i), "1.2.3.4", "hi") is None for i in range(300))


def test_client_address_believes_only_trusted_proxies():
    assert client_address("10.0.0.9", "1.1.1.1") == "10.0.0.9"  # no proxy configured: the peer
    assert client_address("127.0.0.1", "6.6.6.6, 1.1.1.1", ["127.0.0.1"]) == "1.1.1.1"  # nginx's hop
    assert client_address("10.0.0.9", "1.1.1.1", ["127.0.0.1"]) == "10.0.0.9"  # not the proxy
    assert client_address("127.0.0.1", "not-an-ip", ["127.0.0.1"]) == "127.0.0.1"
    assert client_address(None, None) == "unknown"
