"""The one limit policy of every channel (REST, the widget's socket.io, WeChat).

A person types at most a message every second or two; a client sending faster is a script.
Each message is checked against its length, its conversation's bucket and (where the channel
sees the visitor's address) the address's bucket, so rotating conversation ids does not help.
An address is shared by everyone behind one office NAT, hence its larger allowance.

Every channel answers a refused message with the same words: TOO_LONG or TOO_FAST, in the
language the message (or, where the channel knows it, the visitor) shows (bot/channel_texts.py).
"""

from __future__ import annotations

import ipaddress
import time
from collections import OrderedDict
from typing import Iterable, Optional, Tuple

from bot import settings
from bot.channel_texts import say
from bot.language import detect

MAX_MESSAGE_CHARS = 2000
MAX_BODY_BYTES = 64 * 1024  # a request body to a channel (a message is at most 2000 characters)
TOO_FAST = say("zh", "too_fast")
TOO_LONG = say("zh", "too_long", limit=MAX_MESSAGE_CHARS)


def refusal(key: str, lang: str = "zh") -> str:
    """ "too_fast" or "too_long", in `lang`."""
    return say(lang, key, limit=MAX_MESSAGE_CHARS)


class SenderLimiter:
    """A token bucket per key (a conversation or an address), bounded in memory."""

    def __init__(self, burst: int = 20, per_second: float = 1.0, max_senders: int = 100_000) -> None:
        self.burst = burst
        self.per_second = per_second
        self.max_senders = max_senders
        self._buckets: "OrderedDict[str, Tuple[float, float]]" = OrderedDict()

    def allow(self, sender: str, now: float | None = None) -> bool:
        """Take one message from `sender`'s bucket; False when it is empty."""
        now = time.monotonic() if now is None else now
        tokens, last = self._buckets.pop(sender, (float(self.burst), now))
        tokens = min(float(self.burst), tokens + (now - last) * self.per_second)
        allowed = tokens >= 1.0
        self._buckets[sender] = (tokens - 1.0 if allowed else tokens, now)
        while len(self._buckets) > self.max_senders:
            self._buckets.popitem(last=False)
        return allowed

    def retry_after(self, sender: str) -> int:
        """Whole seconds until `sender` has a message again (at least 1)."""
        tokens, _last = self._buckets.get(sender, (float(self.burst), 0.0))
        if self.per_second <= 0:
            return 60
        return max(1, int((1.0 - tokens) / self.per_second + 0.999))


class MessagePolicy:
    """Length, per-conversation and per-address limits: `check` says whether a message goes on.

    ADDRESS_BURST / ADDRESS_PER_SECOND set the per-address allowance (ADDRESS_BURST=0 turns it
    off, e.g. behind nginx, which limits per address itself).
    """

    def __init__(
        self,
        sender_burst: int = 20,
        sender_per_second: float = 1.0,
        address_burst: Optional[int] = None,
        address_per_second: Optional[float] = None,
    ) -> None:
        if address_burst is None:
            address_burst = settings.ADDRESS_BURST
        if address_per_second is None:
            address_per_second = settings.ADDRESS_PER_SECOND
        self.senders = SenderLimiter(sender_burst, sender_per_second)
        self.addresses = SenderLimiter(address_burst, address_per_second) if address_burst > 0 else None

    def check(self, sender: str, address: Optional[str], text: object, lang: Optional[str] = None) -> Optional[str]:
        """None when the message may go on; otherwise the reply to send (TOO_LONG or TOO_FAST),
        in `lang`, else in the language the message shows (Chinese when it shows none)."""
        lang = lang or (detect(text) if isinstance(text, str) else None) or "zh"
        if isinstance(text, str) and len(text) > MAX_MESSAGE_CHARS:
            return refusal("too_long", lang)
        if address and self.addresses is not None and not self.addresses.allow(address):
            return refusal("too_fast", lang)
        if not self.senders.allow(sender):
            return refusal("too_fast", lang)
        return None


def trusted_proxies() -> Tuple[str, ...]:
    """TRUSTED_PROXIES: addresses of reverse proxies whose X-Forwarded-For is believed."""
    return settings.TRUSTED_PROXIES


def client_address(peer: Optional[str], forwarded_for: Optional[str], proxies: Iterable[str] = ()) -> str:
    """The visitor's address: the peer, or the last hop a trusted proxy added to X-Forwarded-For."""
    peer = (peer or "").strip()
    if forwarded_for and peer in set(proxies):
        hops = [hop.strip() for hop in forwarded_for.split(",") if hop.strip()]
        if hops:
            try:
                return str(ipaddress.ip_address(hops[-1]))
            except ValueError:
                pass
    return peer or "unknown"
