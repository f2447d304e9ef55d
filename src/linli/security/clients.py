"""Who is calling: the client address behind trusted reverse proxies, and small in-process
throttles keyed by it.

Forwarded headers are believed only when the direct peer is one of `LINLI_TRUSTED_PROXIES`;
otherwise anybody could pick the address a rate limit is keyed on.
"""

from __future__ import annotations

import ipaddress
import math
import re
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

from linli.core import clock

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
_FOR = re.compile(r'for="?\[?([^\]";,]+)', re.IGNORECASE)


@lru_cache(maxsize=16)
def _networks(trusted: tuple[str, ...]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(item, strict=False) for item in trusted)


def _address(value: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    value = value.strip().strip('"')
    if value.startswith("[") and "]" in value:  # [v6]:port
        value = value[1 : value.index("]")]
    elif value.count(":") == 1:  # v4:port
        value = value.split(":", 1)[0]
    try:
        return ipaddress.ip_address(value)
    except ValueError:
        return None


def is_trusted(peer: str, trusted: Iterable[str]) -> bool:
    """Say whether `peer` is one of the trusted proxies (addresses or networks)."""
    address = _address(peer)
    return address is not None and any(address in net for net in _networks(tuple(trusted)))


def forwarded_chain(forwarded: str | None, x_forwarded_for: str | None) -> list[str]:
    """Return the addresses a request passed through, client first (RFC 7239 `Forwarded`
    preferred over `X-Forwarded-For`)."""
    if forwarded:
        return [m.group(1).strip() for m in _FOR.finditer(forwarded)]
    if x_forwarded_for:
        return [part.strip() for part in x_forwarded_for.split(",") if part.strip()]
    return []


def resolve_client(
    peer: str | None,
    *,
    forwarded: str | None,
    x_forwarded_for: str | None,
    trusted: Iterable[str],
) -> str:
    """Return the client address: the direct peer, unless it is a trusted proxy, in which case
    the nearest address in the forwarded chain that is not itself a trusted proxy."""
    trusted = tuple(trusted)
    if not peer:
        return "unknown"
    if not trusted or not is_trusted(peer, trusted):
        return peer
    chain = forwarded_chain(forwarded, x_forwarded_for)
    for hop in reversed(chain):
        address = _address(hop)
        if address is None:
            return peer  # a garbled hop: do not guess past it
        if not is_trusted(str(address), trusted):
            return str(address)
    first = _address(chain[0]) if chain else None
    return str(first) if first is not None else peer


@dataclass
class _Bucket:
    tokens: float
    at: datetime


class Throttle:
    """A token bucket per key, in this process: `burst` requests at once, refilled at `rate`
    per second. Bounded memory: the least recently seen keys are forgotten first."""

    def __init__(self, *, burst: int, rate: float, max_keys: int = 10_000) -> None:
        self.burst, self.rate, self.max_keys = burst, rate, max_keys
        self._buckets: OrderedDict[str, _Bucket] = OrderedDict()

    def take(self, key: str) -> int:
        """Take one token for `key`; return 0 when allowed, else the seconds to wait."""
        now = clock.now()
        bucket = self._buckets.pop(key, None) or _Bucket(float(self.burst), now)
        elapsed = max((now - bucket.at).total_seconds(), 0.0)
        bucket.tokens = min(float(self.burst), bucket.tokens + elapsed * self.rate)
        bucket.at = now
        self._buckets[key] = bucket
        while len(self._buckets) > self.max_keys:
            self._buckets.popitem(last=False)
        if bucket.tokens >= 1.0:
            bucket.tokens -= 1.0
            return 0
        return max(1, math.ceil((1.0 - bucket.tokens) / self.rate))

    def wait(self, key: str) -> int:
        """Return 0 if `key` has a token left, else the seconds until it has; take nothing."""
        bucket = self._buckets.get(key)
        if bucket is None:
            return 0
        elapsed = max((clock.now() - bucket.at).total_seconds(), 0.0)
        tokens = min(float(self.burst), bucket.tokens + elapsed * self.rate)
        return 0 if tokens >= 1.0 else max(1, math.ceil((1.0 - tokens) / self.rate))

    def reset(self) -> None:
        """Forget every bucket (tests)."""
        self._buckets.clear()


# Wrong credentials on the public routes a device, camera, gateway or Open311 client calls with
# its own secret, per route and client address: 20 wrong in a row, then one more every 10 s.
# Right credentials are never counted, so a busy gateway is never slowed; a guesser is.
FAILED_CREDENTIALS = Throttle(burst=20, rate=0.1)
