"""Per-gateway throttle counted in SMS parts, over a sliding window.

A gateway may take ``limit`` parts in any ``window`` seconds (Android: 30 a minute per app).
The pump asks before each message; the answer is 0 (go) or how long to wait until enough
parts have left the window. With Redis (production, tests) the window lives in a sorted set
and is checked and updated by one Lua script, so every process sees the same count; without
Redis (the one-machine install) it is read from the outbox itself: parts accepted by the
gateway in the window. The clock is an argument, so tests drive it.

A message is counted when it is admitted, and counted again from the moment the gateway's
answer arrives (``confirm``): the phone counted it in between, so our window closes after
the phone's. ``guard`` seconds are added to the window for clock jitter.
"""

from __future__ import annotations

import time
from abc import ABC, abstractmethod
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import redis
from django.conf import settings

from .models import Message

_SCRIPT = """
local key = KEYS[1]
local now = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local limit = tonumber(ARGV[3])
local parts = tonumber(ARGV[4])
local member = ARGV[5]
redis.call('ZREMRANGEBYSCORE', key, '-inf', now - window)
local entries = redis.call('ZRANGE', key, 0, -1, 'WITHSCORES')
local used = 0
for i = 1, #entries, 2 do
  used = used + tonumber(string.match(entries[i], ':(%d+)$'))
end
if used + parts <= limit or used == 0 then
  redis.call('ZADD', key, now, member .. ':' .. parts)
  redis.call('EXPIRE', key, math.ceil(window) + 5)
  return '0'
end
local need = used + parts - limit
local freed = 0
for i = 1, #entries, 2 do
  freed = freed + tonumber(string.match(entries[i], ':(%d+)$'))
  if freed >= need then
    return tostring(tonumber(entries[i + 1]) + window - now)
  end
end
return tostring(window)
"""


class Throttle(ABC):
    """``acquire(parts, member)`` → seconds to wait (0.0: admitted and counted). Counted in
    Redis (RedisThrottle) or, without Redis, from the outbox (OutboxThrottle)."""

    def __init__(
        self,
        key: str,
        *,
        limit: int,
        window: float = 60.0,
        guard: float = 0.05,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.key = f"sms:throttle:{key}"
        self.limit = limit
        self.window = window + guard
        self.clock = clock

    @abstractmethod
    def acquire(self, parts: int, member: str) -> float: ...

    @abstractmethod
    def release(self, member: str) -> None:
        """Give back a reservation whose message did not go (the gateway refused it)."""

    @abstractmethod
    def confirm(self, member: str, parts: int) -> None:
        """The gateway took it: count it from now (the answer came after the phone counted
        it, so our window never closes before the phone's)."""


class RedisThrottle(Throttle):
    def __init__(self, key: str, *, client, **kwargs) -> None:
        super().__init__(key, **kwargs)
        self.client = client
        self.script = client.register_script(_SCRIPT)

    def acquire(self, parts: int, member: str) -> float:
        wait = self.script(
            keys=[self.key], args=[repr(self.clock()), self.window, self.limit, parts, member]
        )
        return max(0.0, float(wait))

    def release(self, member: str) -> None:
        for entry in self.client.zrange(self.key, 0, -1):
            text = entry.decode() if isinstance(entry, bytes) else entry
            if text.rsplit(":", 1)[0] == member:
                self.client.zrem(self.key, entry)

    def confirm(self, member: str, parts: int) -> None:
        self.client.zadd(self.key, {f"{member}:{parts}": self.clock()}, xx=True)

    def reset(self) -> None:
        self.client.delete(self.key)


class OutboxThrottle(Throttle):
    """Without Redis: the parts the gateway accepted in the window, read from the outbox
    (only the gateway's one pump sends, under its lock, so this count is exact)."""

    def __init__(self, key: str, *, gateway_id, **kwargs) -> None:
        super().__init__(key, **kwargs)
        self.gateway_id = gateway_id

    def acquire(self, parts: int, member: str) -> float:
        now = datetime.fromtimestamp(self.clock(), tz=UTC)
        rows = list(
            Message.objects.filter(
                gateway_id=self.gateway_id, accepted_at__gt=now - timedelta(seconds=self.window)
            )
            .order_by("accepted_at")
            .values_list("accepted_at", "parts")
        )
        used = sum(p for _at, p in rows)
        if used + parts <= self.limit or used == 0:
            return 0.0
        need, freed = used + parts - self.limit, 0
        for at, p in rows:
            freed += p
            if freed >= need:
                return max(0.0, (at - now).total_seconds() + self.window)
        return self.window

    def release(self, member: str) -> None:
        """Nothing reserved: the outbox counts only what the gateway accepted."""

    def confirm(self, member: str, parts: int) -> None:
        """Nothing to record: the accepted message is in the outbox already."""


def redis_client():
    url = getattr(settings, "REDIS_URL", "")
    if not url:
        return None

    return redis.Redis.from_url(url)


def for_gateway(gateway, *, clock: Callable[[], float] = time.time) -> Throttle:
    limit = gateway.parts_per_minute or settings.SMS_DEFAULT_PARTS_PER_MINUTE
    window = float(gateway.throttle_window_seconds or 60)
    client = redis_client()
    if client is not None:
        return RedisThrottle(
            str(gateway.pk), client=client, limit=limit, window=window, clock=clock
        )
    return OutboxThrottle(
        str(gateway.pk), gateway_id=gateway.pk, limit=limit, window=window, clock=clock
    )
