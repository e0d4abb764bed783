"""Per-user budgets every server process shares: a token bucket and a count of open sockets.

With ``REDIS_URL`` both live in Redis (the cache's connection) and each check is one Lua
script, atomic and timed by Redis's own clock, so several processes (and machines) count
together. Without Redis there is only one process (see the README), and a dictionary in
memory does the same job.

Both fail open: if Redis cannot be reached the check is logged and allowed, because a
rate limit must not turn an outage of the cache into an outage of chat.
"""

from __future__ import annotations

import logging
import math
import threading
import time

from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache

logger = logging.getLogger(__name__)

# Returns {allowed (1/0), milliseconds until one token is back}.
_BUCKET_LUA = """
local capacity = tonumber(ARGV[1])
local rate = tonumber(ARGV[2])
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local state = redis.call('HMGET', KEYS[1], 'tokens', 'ts')
local tokens = tonumber(state[1])
local ts = tonumber(state[2])
if tokens == nil or ts == nil then
  tokens = capacity
  ts = now
end
tokens = math.min(capacity, tokens + math.max(0, now - ts) * rate)
local allowed = 0
if tokens >= 1 then
  tokens = tokens - 1
  allowed = 1
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'ts', tostring(now))
redis.call('PEXPIRE', KEYS[1], math.ceil(capacity / rate * 1000) + 1000)
local wait = 0
if allowed == 0 then wait = math.ceil((1 - tokens) / rate * 1000) end
return {allowed, wait}
"""

# A sorted set of socket ids scored by when their lease ends. Expired leases (a process
# that died without saying goodbye) are dropped before counting, so nothing leaks for
# longer than one lease. ARGV[2] < 0 renews without checking the cap.
_SLOT_LUA = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local cap = tonumber(ARGV[2])
local ttl = tonumber(ARGV[3])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if cap >= 0 and not redis.call('ZSCORE', KEYS[1], ARGV[1]) then
  if redis.call('ZCARD', KEYS[1]) >= cap then return 0 end
end
redis.call('ZADD', KEYS[1], now + ttl, ARGV[1])
redis.call('PEXPIRE', KEYS[1], ttl)
return 1
"""

_lock = threading.Lock()
_buckets: dict[str, tuple[float, float]] = {}
_slots: dict[str, dict[str, float]] = {}


def _redis(key: str):
    """(client, full key) when the cache is Redis, else None."""
    backend = caches["default"]
    if not isinstance(backend, RedisCache):
        return None
    full_key = backend.make_and_validate_key(key)
    return backend._cache.get_client(full_key, write=True), full_key


def rate_take(*, key: str, capacity: float, rate: float) -> float:
    """Take one token from the bucket ``key``; 0 if allowed, else seconds until one is back."""
    redis = _redis(key)
    if redis is not None:
        client, full_key = redis
        try:
            allowed, wait_ms = client.register_script(_BUCKET_LUA)(
                keys=[full_key], args=[capacity, rate]
            )
        except Exception:  # noqa: BLE001 - any Redis failure: allow, and say so in the log
            logger.warning("rate limit store unreachable; allowing", exc_info=True)
            return 0.0
        return 0.0 if allowed else wait_ms / 1000
    now = time.monotonic()
    with _lock:
        tokens, updated = _buckets.get(key, (float(capacity), now))
        tokens = min(float(capacity), tokens + (now - updated) * rate)
        if tokens >= 1:
            _buckets[key] = (tokens - 1, now)
            return 0.0
        _buckets[key] = (tokens, now)
        return (1 - tokens) / rate


def _slot_key(user_id: int) -> str:
    return f"ws-slots:{user_id}"


def _slot_ttl_ms() -> int:
    return max(1, math.ceil(settings.WS_SOCKET_SLOT_TTL * 1000))


def socket_slot_acquire(*, user_id: int, socket_id: str, renew: bool = False) -> bool:
    """Lease one of the user's ``WS_MAX_SOCKETS_PER_USER`` socket slots for ``socket_id``.

    False when all are taken. ``renew=True`` extends a held lease (call it more often than
    ``WS_SOCKET_SLOT_TTL``); a lease not renewed lapses, so a dead process frees its slots.
    """
    cap = -1 if renew else settings.WS_MAX_SOCKETS_PER_USER
    key = _slot_key(user_id)
    redis = _redis(key)
    if redis is not None:
        client, full_key = redis
        try:
            return bool(
                client.register_script(_SLOT_LUA)(
                    keys=[full_key], args=[socket_id, cap, _slot_ttl_ms()]
                )
            )
        except Exception:  # noqa: BLE001
            logger.warning("socket slot store unreachable; allowing", exc_info=True)
            return True
    now = time.monotonic()
    with _lock:
        leases = {s: end for s, end in _slots.get(key, {}).items() if end > now}
        if cap >= 0 and socket_id not in leases and len(leases) >= cap:
            _slots[key] = leases
            return False
        leases[socket_id] = now + _slot_ttl_ms() / 1000
        _slots[key] = leases
        return True


def socket_slot_release(*, user_id: int, socket_id: str) -> None:
    key = _slot_key(user_id)
    redis = _redis(key)
    if redis is not None:
        client, full_key = redis
        try:
            client.zrem(full_key, socket_id)
        except Exception:  # noqa: BLE001 - the lease lapses on its own
            logger.warning("socket slot store unreachable; the lease will lapse", exc_info=True)
        return
    with _lock:
        leases = _slots.get(key)
        if leases is not None:
            leases.pop(socket_id, None)
            if not leases:
                _slots.pop(key, None)


def limits_reset_local() -> None:
    """Forget the in-memory budgets (tests; the Redis ones go with the cache)."""
    with _lock:
        _buckets.clear()
        _slots.clear()
