"""Open-loop load through nginx, as visitors really come: at a rate, reading between questions.

Visitors arrive as a Poisson process at a set rate; each asks six questions drawn from the
evaluation sets (tests/nlu/*.yml), 2-8 s after the previous answer, on REST, socket.io
(the engine.io websocket protocol, as the widget speaks it) or WeChat (signed, safe mode),
mixed 40/40/20. A run is a series of steps of rising rate; each step's figures are taken
from its last part (the earlier part lets the visitors of the new rate build up). Afterwards,
every answered message must be in the tracker store, once, in the order it was sent.

Used by `make test-scale` (bot/devtools/scale_test.py); loopback only, bounded in time and
count (a visitor sends six messages; a step lasts seconds; the wait for an answer is capped).
"""

from __future__ import annotations

import asyncio
import glob
import hashlib
import json
import math
import random
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple
from urllib.parse import urlencode

import aiohttp

from bot.nlu import evaluate

QUESTIONS_PER_VISITOR = 6
READING_SECONDS = (2.0, 8.0)
MIX = (("rest", 0.4), ("socketio", 0.4), ("wechat", 0.2))
ANSWER_TIMEOUT = 10.0
MAX_VISITORS = 5000


def evaluation_questions() -> List[str]:
    """The texts of every evaluation set (tests/nlu/*.yml)."""
    texts: List[str] = []
    for path in sorted(glob.glob("tests/nlu/*.yml")):
        texts += [t for t, _label, _entities in evaluate.load_examples(path) if t and not t.startswith("/")]
    return sorted(set(texts))


def percentile(values: Sequence[float], share: float) -> Optional[float]:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(math.ceil(share * len(ordered))) - 1)]


@dataclass
class Message:
    sender: str
    channel: str
    text: str
    sent: float  # wall clock
    latency: Optional[float] = None  # seconds to the (first part of the) answer
    error: Optional[str] = None
    resent: int = 0


@dataclass
class WeChatAccount:
    token: str
    aes_key: str
    app_id: str


class SocketIOConversation:
    """One widget connection: engine.io v4 over a websocket, Rasa's socket.io events."""

    def __init__(self, ws: aiohttp.ClientWebSocketResponse, sender: str) -> None:
        self.ws, self.sender = ws, sender  # the session the server issued (bot/widget_sessions.py)
        self.key: Optional[str] = None
        self.waiter: Optional[asyncio.Future] = None
        self.reader: Optional[asyncio.Task] = None

    @classmethod
    async def open(
        cls, session: aiohttp.ClientSession, base_url: str, sender: str, route: str, key: Optional[str] = None
    ) -> "SocketIOConversation":
        url = (
            base_url.replace("http", "ws", 1)
            + "/socket.io/?"
            + urlencode({"EIO": "4", "transport": "websocket", "route": route})
        )
        ws = await session.ws_connect(url, timeout=ANSWER_TIMEOUT, autoping=True)
        conversation = cls(ws, sender)
        opened = await ws.receive(timeout=ANSWER_TIMEOUT)
        if opened.type != aiohttp.WSMsgType.TEXT or not opened.data.startswith("0"):
            raise ConnectionError(f"engine.io open: {opened.data!r}")
        await ws.send_str("40")
        await conversation._wait_for_event(("40",), None)
        await ws.send_str("42" + json.dumps(["session_request", {"session_id": sender, "session_key": key}]))
        confirm = json.loads((await conversation._wait_for_event(("42",), "session_confirm"))[2:])[1]
        if isinstance(confirm, dict):  # the server issues the session (and its key), as to the widget
            conversation.sender, conversation.key = confirm.get("session_id") or sender, confirm.get("session_key")
        conversation.reader = asyncio.ensure_future(conversation._read())
        return conversation

    async def _wait_for_event(self, prefixes: Tuple[str, ...], event: Optional[str]) -> str:
        deadline = time.monotonic() + ANSWER_TIMEOUT
        while time.monotonic() < deadline:
            message = await self.ws.receive(timeout=ANSWER_TIMEOUT)
            if message.type != aiohttp.WSMsgType.TEXT:
                raise ConnectionError(f"socket closed ({message.type})")
            if message.data == "2":
                await self.ws.send_str("3")
            elif message.data.startswith(prefixes) and (event is None or f'"{event}"' in message.data[:40]):
                return message.data
        raise asyncio.TimeoutError()

    async def _read(self) -> None:
        try:
            async for message in self.ws:
                if message.type != aiohttp.WSMsgType.TEXT:
                    break
                if message.data == "2":
                    await self.ws.send_str("3")
                elif message.data.startswith('42["bot_uttered"') and self.waiter and not self.waiter.done():
                    self.waiter.set_result(time.perf_counter())
        finally:
            if self.waiter and not self.waiter.done():
                self.waiter.set_exception(ConnectionError("socket closed"))

    async def ask(self, text: str) -> float:
        """Seconds to the first part of the answer."""
        self.waiter = asyncio.get_running_loop().create_future()
        started = time.perf_counter()
        await self.ws.send_str("42" + json.dumps(["user_uttered", {"session_id": self.sender, "message": text}]))
        answered = await asyncio.wait_for(self.waiter, ANSWER_TIMEOUT)
        return answered - started

    async def close(self) -> None:
        await self.ws.close()
        if self.reader:
            await asyncio.wait([self.reader], timeout=2)


class OpenLoop:
    """Visitors through nginx at `base_url`; every message they send is kept in `messages`."""

    def __init__(self, base_url: str, wechat: WeChatAccount, label: str, seed: int = 16) -> None:
        from wechatpy.crypto import WeChatCrypto  # the test peer (requirements-dev.txt)

        self.base_url = base_url.rstrip("/")
        self.wechat = wechat
        self.crypto = WeChatCrypto(wechat.token, wechat.aes_key, wechat.app_id)
        self.questions = evaluation_questions()
        self.random = random.Random(seed)
        self.run_id = f"{label}-{uuid.uuid4().hex[:6]}"
        self.messages: List[Message] = []
        self.routes: Dict[str, str] = {}  # socket.io sender -> its route key
        self.visitors: List[asyncio.Task] = []
        self.arrivals: List[Tuple[float, float]] = []  # (wall clock, seconds late) of each visitor
        self.closing = False
        self._session: Optional[aiohttp.ClientSession] = None
        first_id = random.SystemRandom().randrange(10**15, 10**18)  # WeChat's MsgIds are unique
        self._msg_ids = iter(range(first_id, first_id + 10**6))

    async def __aenter__(self) -> "OpenLoop":
        connector = aiohttp.TCPConnector(limit=0)
        self._session = aiohttp.ClientSession(connector=connector, timeout=aiohttp.ClientTimeout(total=ANSWER_TIMEOUT))
        return self

    async def __aexit__(self, *exc) -> None:
        await self.finish()
        if self._session:
            await self._session.close()

    @property
    def session(self) -> aiohttp.ClientSession:
        assert self._session is not None, "use OpenLoop as an async context manager"
        return self._session

    # -- arrivals -------------------------------------------------------------------------

    async def arrive(self, rate_per_second: float, seconds: float) -> None:
        """Visitors arriving as a Poisson process at `rate_per_second` for `seconds`.

        Each arrival is due at a time drawn ahead (the previous one's plus an exponential gap),
        not a gap slept after the previous arrival: a sleep wakes late when the loop or the
        cores are busy, and those delays added up, so the visitors came 8-16 % slower than the
        rate offered exactly when the stack was busiest. A late arrival is made at once; its
        delay is kept (`arrival_lag`) and reported with the step."""
        started = time.monotonic()
        due, deadline = started, started + seconds
        while not self.closing and len(self.visitors) < MAX_VISITORS:
            due += self.random.expovariate(rate_per_second)
            if due >= deadline:
                return
            delay = due - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            self.arrivals.append((time.time(), max(0.0, time.monotonic() - due)))
            channel = self._channel()
            sender = f"{self.run_id}-{channel[:2]}{len(self.visitors)}"
            questions = self.random.sample(self.questions, QUESTIONS_PER_VISITOR)
            gaps = [self.random.uniform(*READING_SECONDS) for _ in questions]
            self.visitors.append(asyncio.ensure_future(self.visit(channel, sender, questions, gaps)))

    async def warm(self, per_channel: int = 3, questions: int = 4) -> None:
        """Visitors on every channel at once, with no reading time: a server's first answers
        load lazily (NLU, policies, the action server's session, the database pool's connections,
        the WeChat crypto, socket.io's Redis manager), so a load step must not be the first."""
        visits: List[Any] = []
        for channel, _share in MIX:
            for n in range(per_channel):
                sender = f"{self.run_id}-{channel[:2]}{len(visits)}-{n}"
                texts = self.random.sample(self.questions, questions)
                visits.append(self.visit(channel, sender, texts, [0.0] * questions))
        await asyncio.wait_for(asyncio.gather(*visits), timeout=questions * ANSWER_TIMEOUT + 10)

    def _channel(self) -> str:
        draw, total = self.random.random(), 0.0
        for channel, share in MIX:
            total += share
            if draw < total:
                return channel
        return MIX[-1][0]

    async def finish(self, seconds: float = 2 * ANSWER_TIMEOUT) -> None:
        """Visitors send nothing new; wait (bounded) for the answers still on their way."""
        self.closing = True
        if self.visitors:
            await asyncio.wait(self.visitors, timeout=seconds)
            for task in self.visitors:
                task.cancel()

    # -- one visitor ----------------------------------------------------------------------

    async def visit(self, channel: str, sender: str, questions: List[str], gaps: List[float]) -> None:
        conversation: Optional[SocketIOConversation] = None
        try:
            for turn, (question, gap) in enumerate(zip(questions, gaps, strict=True)):
                if turn:
                    await asyncio.sleep(gap)
                if self.closing:
                    return
                message = Message(sender, channel, f"{question} #{turn}", time.time())
                self.messages.append(message)
                try:
                    if channel == "socketio":
                        if conversation is None:
                            route = uuid.uuid4().hex[:10]
                            conversation = await SocketIOConversation.open(self.session, self.base_url, sender, route)
                            sender = conversation.sender  # the session the server issued
                            self.routes[sender] = route
                        message.sender = sender
                        try:
                            message.latency = await conversation.ask(message.text)
                        except ConnectionError:
                            # the widget's outbox: reconnect (another replica) and send it again
                            message.resent += 1
                            started = time.perf_counter()
                            conversation = await SocketIOConversation.open(
                                self.session, self.base_url, sender, self.routes[sender], conversation.key
                            )
                            message.latency = await conversation.ask(message.text) + (time.perf_counter() - started)
                    elif channel == "rest":
                        message.latency = await self._rest(sender, message.text)
                    else:
                        message.latency = await self._wechat(sender, message.text)
                except (aiohttp.ClientError, asyncio.TimeoutError, ConnectionError, ValueError) as error:
                    message.error = f"{type(error).__name__}: {error}"[:200]
        finally:
            if conversation is not None:
                await conversation.close()

    async def _rest(self, sender: str, text: str) -> float:
        started = time.perf_counter()
        async with self.session.post(
            f"{self.base_url}/webhooks/rest/webhook", json={"sender": sender, "message": text}
        ) as response:
            body = await response.read()
            if response.status != 200:
                raise ValueError(f"HTTP {response.status}")
        if not json.loads(body):
            raise ValueError("no answer")
        return time.perf_counter() - started

    async def _wechat(self, openid: str, text: str) -> float:
        from bot.wechat.messages import parse_xml

        timestamp, nonce = str(int(time.time())), uuid.uuid4().hex[:10]
        xml = (
            f"<xml><ToUserName><![CDATA[gh_load]]></ToUserName><FromUserName><![CDATA[{openid}]]>"
            f"</FromUserName><CreateTime>{timestamp}</CreateTime><MsgType><![CDATA[text]]></MsgType>"
            f"<Content><![CDATA[{text}]]></Content><MsgId>{next(self._msg_ids)}</MsgId></xml>"
        )
        outer = parse_xml(self.crypto.encrypt_message(xml, nonce, timestamp))
        body = (
            f"<xml><ToUserName><![CDATA[gh_load]]></ToUserName><Encrypt><![CDATA[{outer['Encrypt']}]]></Encrypt></xml>"
        )
        signature = hashlib.sha1("".join(sorted([self.wechat.token, timestamp, nonce])).encode()).hexdigest()
        params = {
            "signature": signature,
            "timestamp": timestamp,
            "nonce": nonce,
            "openid": openid,
            "encrypt_type": "aes",
            "msg_signature": outer["MsgSignature"],
        }
        started = time.perf_counter()
        async with self.session.post(
            f"{self.base_url}/webhooks/wechat/webhook?{urlencode(params)}", data=body.encode()
        ) as response:
            reply = (await response.read()).decode()
            if response.status != 200:
                raise ValueError(f"HTTP {response.status}")
        latency = time.perf_counter() - started
        if reply == "success":
            raise ValueError("no passive reply (answer later through the customer-service API)")
        wrapped = parse_xml(reply)
        inner = parse_xml(
            self.crypto.decrypt_message(reply, wrapped["MsgSignature"], wrapped["TimeStamp"], wrapped["Nonce"])
        )
        if inner.get("ToUserName") != openid or not inner.get("Content"):
            raise ValueError("wrong reply")
        return latency


# -- figures --------------------------------------------------------------------------------


@dataclass
class Window:
    start: float  # wall clock
    end: float
    cpu: Dict[str, float] = field(default_factory=dict)  # process -> % of one core


def window_figures(messages: List[Message], window: Window, now: float) -> Dict[str, Any]:
    """Figures of the messages sent in `window`; one still unanswered counts as slow."""
    chosen = [m for m in messages if window.start <= m.sent < window.end]
    answered = [m.latency for m in chosen if m.latency is not None]
    pending = [m for m in chosen if m.latency is None and m.error is None]
    latencies = answered + [max(now - m.sent, ANSWER_TIMEOUT) for m in pending]
    seconds = window.end - window.start

    def ms(share: float) -> Optional[float]:
        value = percentile(latencies, share)
        return None if value is None else round(value * 1000, 1)

    by_channel = {}
    for channel, _share in MIX:
        mine = [m.latency for m in chosen if m.channel == channel and m.latency is not None]
        by_channel[channel] = {
            "sent": sum(1 for m in chosen if m.channel == channel),
            "p50_ms": round((percentile(mine, 0.5) or 0) * 1000, 1),
            "p95_ms": round((percentile(mine, 0.95) or 0) * 1000, 1),
        }
    return {
        "sent": len(chosen),
        "answered": len(answered),
        # what came in the window (offered x what the ramp and the schedule delivered) and what
        # was answered: the sustained rate is the latter, never the rate offered
        "sent_msg_per_s": round(len(chosen) / seconds, 1) if seconds else None,
        "msg_per_s": round(len(answered) / seconds, 1) if seconds else None,
        "p50_ms": ms(0.50),
        "p95_ms": ms(0.95),
        "p99_ms": ms(0.99),
        "errors": sum(1 for m in chosen if m.error),
        "error_kinds": dict(Counter(f"{m.channel}: {m.error[:60]}" for m in chosen if m.error)),
        "resent": sum(m.resent for m in chosen),
        "by_channel": by_channel,
    }


def arrival_figures(arrivals: Sequence[Tuple[float, float]], start: float, end: float) -> Dict[str, Any]:
    """How the visitors of a step (arrived from `start` to `end`) kept to the Poisson schedule:
    their rate and how late the generator made them (it shares the cores it loads)."""
    mine = [late for at, late in arrivals if start <= at < end]
    seconds = end - start
    return {
        "visitors_per_s": round(len(mine) / seconds, 2) if seconds > 0 else None,
        "late_p95_ms": round(1000 * (percentile(mine, 0.95) or 0.0), 1),
        "late_max_ms": round(1000 * max(mine, default=0.0), 1),
    }


def recorded(tracker_db_url: str, senders: Sequence[str]) -> Dict[str, List[str]]:
    """The user texts stored for each sender, in order."""
    import sqlalchemy as sa

    found: Dict[str, List[str]] = {s: [] for s in senders}
    if not senders:
        return found
    engine = sa.create_engine(tracker_db_url, future=True)
    try:
        with engine.connect() as connection:
            query = sa.text(
                "SELECT sender_id, data FROM events WHERE type_name = 'user' AND sender_id IN :senders ORDER BY id"
            ).bindparams(sa.bindparam("senders", expanding=True))
            rows = connection.execute(query, {"senders": list(senders)}).all()
    finally:
        engine.dispose()
    for row in rows:
        if row.sender_id in found:
            found[row.sender_id].append(json.loads(row.data)["text"])
    return found


def integrity(messages: List[Message], stored: Dict[str, List[str]]) -> Dict[str, int]:
    """Answered messages missing from the store, stored twice, or out of order."""
    by_sender: Dict[str, List[str]] = {}
    for m in messages:
        if m.latency is not None:
            by_sender.setdefault(m.sender, []).append(m.text)
    lost = duplicated = out_of_order = 0
    for sender, texts in by_sender.items():
        kept = stored.get(sender, [])
        lost += sum(1 for t in texts if t not in kept)
        duplicated += sum(kept.count(t) - 1 for t in set(kept) if kept.count(t) > 1)
        if [t for t in dict.fromkeys(kept) if t in texts] != [t for t in texts if t in kept]:
            out_of_order += 1
    return {
        "answered": sum(len(v) for v in by_sender.values()),
        "lost": lost,
        "duplicated": duplicated,
        "out_of_order_conversations": out_of_order,
    }


def replica_shares(
    access_log: str, messages: List[Message], routes: Dict[str, str], window: Window
) -> Dict[str, float]:
    """Share of the messages in `window` each replica served, from nginx's access log."""
    counts: Dict[str, int] = {}
    route_replica: Dict[str, str] = {}
    try:
        lines = open(access_log, encoding="utf-8", errors="replace").read().splitlines()
    except FileNotFoundError:
        return {}
    for line in lines:  # $msec|$request_time|$status|$request_method|$uri|$arg_route|$upstream_addr
        parts = line.split("|")
        if len(parts) != 7:
            continue
        at, took, status, method, uri, route = float(parts[0]), float(parts[1]), parts[2], parts[3], parts[4], parts[5]
        upstream = parts[6].split(",")[-1].strip()
        if uri.startswith("/socket.io/") and route and route != "-":
            route_replica[route] = upstream
        elif uri.startswith("/webhooks/") and method == "POST" and status == "200":
            if window.start <= at - took < window.end:  # logged when answered
                counts[upstream] = counts.get(upstream, 0) + 1
    for m in messages:
        if m.channel == "socketio" and m.latency is not None and window.start <= m.sent < window.end:
            replica = route_replica.get(routes.get(m.sender, ""))
            if replica:
                counts[replica] = counts.get(replica, 0) + 1
    total = sum(counts.values())
    return {k: round(v / total, 3) for k, v in sorted(counts.items())} if total else {}


CpuProbe = Callable[[], Dict[str, float]]  # process -> CPU seconds used so far


def cpu_share(before: Dict[str, float], after: Dict[str, float], seconds: float) -> Dict[str, float]:
    return {k: round(100 * (after[k] - before.get(k, 0.0)) / seconds, 1) for k in after if seconds > 0}
