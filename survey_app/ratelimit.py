"""Counters and holds for rate limits: Redis when SURVEY_REDIS_URL is set, memory otherwise.

Redis makes the count shared by every gunicorn worker; the in-memory store is per process and
is meant for development and single-worker deployments (``flask check`` warns otherwise).
Keys must already be hashed or otherwise free of personal data.

Callers count first and decide on the count returned: ``hit`` and ``add`` are atomic increments
(Redis INCRBY, or under a lock in memory), so concurrent requests cannot all pass a check made
before any of them was counted. What turns out not to count (a replayed vote, a successful
sign-in) is given back with a negative delta.

A Redis that does not answer never turns a request into an error: :class:`ResilientCounter`
counts in this process's memory meanwhile (limits then hold per worker, as without Redis), logs
the outage at most once a minute, tries Redis again every few seconds and reports its state to
``/healthz``.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any, Protocol

from flask import Flask, current_app

log = logging.getLogger("survey.ratelimit")

#: Seconds to wait for Redis to connect or answer: a dead Redis must not slow every vote.
REDIS_TIMEOUT_SECONDS = 0.25
#: While Redis is down, how often one request tries it again.
RETRY_SECONDS = 5.0
#: At most one log line about an outage per this many seconds (per process).
LOG_INTERVAL_SECONDS = 60.0


class Counter(Protocol):
    def hit(self, key: str, window_seconds: int, delta: int = 1) -> int:
        """Add ``delta`` (1; -1 gives a count back) to ``key``'s count in the current fixed
        window of ``window_seconds``; return that window's count after the change."""

    def peek(self, key: str, window_seconds: int) -> int:
        """The current window's count without adding to it."""

    def add(self, key: str, delta: int, ttl_seconds: int) -> int:
        """Add ``delta`` to a count that is forgotten ``ttl_seconds`` after its last change;
        return the count after the change."""

    def acquire(self, key: str, ttl_seconds: float) -> float:
        """Take the hold ``key`` for ``ttl_seconds`` if nobody holds it: 0.0. Otherwise leave it
        and return how many seconds it is still held (> 0)."""

    def hold(self, key: str, ttl_seconds: float) -> None:
        """Hold ``key`` for ``ttl_seconds`` from now, whoever held it before."""

    def reset(self, key: str) -> None:
        """Forget the count of :meth:`add` and the hold named ``key`` (window counts of
        :meth:`hit` expire with their window)."""


class MemoryCounter:
    """Counts in this process. ``clock`` (seconds since the epoch) is replaceable for tests."""

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._windows: dict[str, tuple[int, int]] = {}  # key -> (window number, count)
        self._counts: dict[str, tuple[int, float]] = {}  # key -> (count, expires at)
        self._holds: dict[str, float] = {}  # key -> held until

    def _window(self, window_seconds: int) -> int:
        return int(self._clock()) // window_seconds

    def hit(self, key: str, window_seconds: int, delta: int = 1) -> int:
        window = self._window(window_seconds)
        with self._lock:
            start, count = self._windows.get(key, (window, 0))
            count = (count if start == window else 0) + delta
            self._windows[key] = (window, count)
            if len(self._windows) > 100_000:  # bound memory: forget old windows
                self._windows = {k: v for k, v in self._windows.items() if v[0] == window}
            return count

    def peek(self, key: str, window_seconds: int) -> int:
        with self._lock:
            start, count = self._windows.get(key, (None, 0))
        return count if start == self._window(window_seconds) else 0

    def add(self, key: str, delta: int, ttl_seconds: int) -> int:
        now = self._clock()
        with self._lock:
            count, expires = self._counts.get(key, (0, now))
            count = (count if expires > now else 0) + delta
            self._counts[key] = (count, now + ttl_seconds)
            if len(self._counts) > 100_000:
                self._counts = {k: v for k, v in self._counts.items() if v[1] > now}
            return count

    def acquire(self, key: str, ttl_seconds: float) -> float:
        now = self._clock()
        with self._lock:
            until = self._holds.get(key, now)
            if until > now:
                return until - now
            self._holds[key] = now + ttl_seconds
            if len(self._holds) > 100_000:
                self._holds = {k: v for k, v in self._holds.items() if v > now}
            return 0.0

    def hold(self, key: str, ttl_seconds: float) -> None:
        with self._lock:
            self._holds[key] = self._clock() + ttl_seconds

    def reset(self, key: str) -> None:
        with self._lock:
            self._counts.pop(key, None)
            self._holds.pop(key, None)


class RedisCounter:
    """Counts in Redis, shared by every worker. Raises ``redis.RedisError`` when Redis fails:
    wrap it in :class:`ResilientCounter` (``init_app`` does)."""

    def __init__(self, url: str, prefix: str = "survey:rl:",
                 timeout: float = REDIS_TIMEOUT_SECONDS) -> None:
        import redis
        from redis.backoff import NoBackoff
        from redis.retry import Retry

        # No retries inside redis-py (its default retries with backoff for seconds): the
        # ResilientCounter decides what happens when Redis fails.
        self._redis = redis.Redis.from_url(url, socket_timeout=timeout,
                                           socket_connect_timeout=timeout,
                                           retry=Retry(NoBackoff(), 0))
        self._prefix = prefix

    def _window_key(self, key: str, window_seconds: int) -> str:
        return f"{self._prefix}w:{key}:{int(time.time()) // window_seconds}"

    def hit(self, key: str, window_seconds: int, delta: int = 1) -> int:
        k = self._window_key(key, window_seconds)
        pipe = self._redis.pipeline()  # MULTI/EXEC: both or neither
        pipe.incrby(k, delta)
        pipe.expire(k, window_seconds + 1)
        count, _ = pipe.execute()
        return int(count)

    def peek(self, key: str, window_seconds: int) -> int:
        value = self._redis.get(self._window_key(key, window_seconds))
        return int(value) if value else 0

    def add(self, key: str, delta: int, ttl_seconds: int) -> int:
        k = f"{self._prefix}n:{key}"
        pipe = self._redis.pipeline()
        pipe.incrby(k, delta)
        pipe.expire(k, ttl_seconds)
        count, _ = pipe.execute()
        return int(count)

    def acquire(self, key: str, ttl_seconds: float) -> float:
        k = f"{self._prefix}h:{key}"
        ms = max(1, int(ttl_seconds * 1000))
        for _ in range(3):
            if self._redis.set(k, 1, nx=True, px=ms):
                return 0.0
            left = int(self._redis.pttl(k))  # -2: expired in between, try again
            if left > 0:
                return left / 1000
            if left == -1:  # a hold without expiry (never written so): give it one
                self._redis.pexpire(k, ms)
                return ttl_seconds
        return 0.001  # still contended: refuse this once

    def hold(self, key: str, ttl_seconds: float) -> None:
        self._redis.set(f"{self._prefix}h:{key}", 1, px=max(1, int(ttl_seconds * 1000)))

    def reset(self, key: str) -> None:
        self._redis.delete(f"{self._prefix}n:{key}", f"{self._prefix}h:{key}")

    def ping(self) -> None:
        self._redis.ping()


class ResilientCounter:
    """Redis first; while it fails (refused, timed out, any ``redis.RedisError``), a
    per-process :class:`MemoryCounter`. Callers never see a Redis error.

    After a failure Redis is left alone for ``retry_seconds``; then one request tries it again
    (the others keep counting in memory meanwhile). Counts made in memory during an outage are
    not carried over: limits restart from what Redis holds.
    """

    def __init__(self, primary: Any, fallback: MemoryCounter | None = None, *,
                 retry_seconds: float = RETRY_SECONDS,
                 log_interval: float = LOG_INTERVAL_SECONDS,
                 clock: Callable[[], float] = time.monotonic) -> None:
        import redis

        self.primary = primary
        self.fallback = fallback or MemoryCounter()
        self.retry_seconds = retry_seconds
        self.log_interval = log_interval
        self._clock = clock
        self._errors = (redis.RedisError,)
        self._lock = threading.Lock()
        self._down = False
        self._retry_at = 0.0
        self._logged_at: float | None = None

    # -- state ------------------------------------------------------------------------------

    def _try_primary(self) -> bool:
        if not self._down:
            return True
        with self._lock:
            now = self._clock()
            if now < self._retry_at:
                return False
            self._retry_at = now + self.retry_seconds  # this request probes; others wait
            return True

    def _failed(self, exc: Exception) -> None:
        with self._lock:
            now = self._clock()
            self._down = True
            self._retry_at = now + self.retry_seconds
            due = self._logged_at is None or now - self._logged_at >= self.log_interval
            if due:
                self._logged_at = now
        if due:  # the exception's class only: its text may name hosts; keys never appear
            log.warning("Redis for rate limits unavailable (%s): counting in this process's "
                        "memory until it answers again", exc.__class__.__name__)

    def _recovered(self) -> None:
        with self._lock:
            was_down, self._down = self._down, False
        if was_down:
            log.info("Redis for rate limits answers again: counting in Redis")

    def _call(self, name: str, *args: Any) -> Any:
        if self._try_primary():
            try:
                result = getattr(self.primary, name)(*args)
            except self._errors as exc:
                self._failed(exc)
            else:
                if self._down:
                    self._recovered()
                return result
        return getattr(self.fallback, name)(*args)

    def status(self) -> str:
        """``"ok"`` when Redis answers a ping, ``"unavailable"`` while it does not."""
        if not self._try_primary():
            return "unavailable"
        try:
            self.primary.ping()
        except self._errors as exc:
            self._failed(exc)
            return "unavailable"
        if self._down:
            self._recovered()
        return "ok"

    def healthy(self) -> bool:
        return self.status() == "ok"

    # -- the Counter protocol ---------------------------------------------------------------

    def hit(self, key: str, window_seconds: int, delta: int = 1) -> int:
        return int(self._call("hit", key, window_seconds, delta))

    def peek(self, key: str, window_seconds: int) -> int:
        return int(self._call("peek", key, window_seconds))

    def add(self, key: str, delta: int, ttl_seconds: int) -> int:
        return int(self._call("add", key, delta, ttl_seconds))

    def acquire(self, key: str, ttl_seconds: float) -> float:
        return float(self._call("acquire", key, ttl_seconds))

    def hold(self, key: str, ttl_seconds: float) -> None:
        self._call("hold", key, ttl_seconds)

    def reset(self, key: str) -> None:
        self._call("reset", key)


def init_app(app: Flask) -> None:
    url = app.config.get("REDIS_URL")
    if url:
        prefix = app.config.get("REDIS_KEY_PREFIX") or "survey:rl:"
        app.extensions["ratelimit"] = ResilientCounter(RedisCounter(url, prefix))
    else:
        app.extensions["ratelimit"] = MemoryCounter()


def counter() -> Counter:
    return current_app.extensions["ratelimit"]


def store_status() -> str:
    """For /healthz: ``"ok"``, ``"unavailable"`` (configured but not answering: limits are
    counted per process meanwhile) or ``"not_configured"`` (no SURVEY_REDIS_URL)."""
    found = current_app.extensions["ratelimit"]
    return found.status() if isinstance(found, ResilientCounter) else "not_configured"
