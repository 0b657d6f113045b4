"""Fixed-window counters for rate limits: Redis when SURVEY_REDIS_URL is set, memory otherwise.

Redis makes the count shared by every gunicorn worker; the in-memory store is per process and
is meant for development and single-worker deployments (``flask check`` warns otherwise).
Keys must already be hashed or otherwise free of personal data.
"""

from __future__ import annotations

import threading
import time
from typing import Protocol

from flask import Flask, current_app


class Counter(Protocol):
    def hit(self, key: str, window_seconds: int) -> int:
        """Count one event for ``key`` in the current window; return the window's count."""

    def peek(self, key: str, window_seconds: int) -> int:
        """The current window's count without adding to it."""

    def reset(self, key: str) -> None: ...


class MemoryCounter:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._data: dict[str, tuple[int, int]] = {}  # key -> (window start, count)

    def _window(self, window_seconds: int) -> int:
        return int(time.time()) // window_seconds

    def hit(self, key: str, window_seconds: int) -> int:
        window = self._window(window_seconds)
        with self._lock:
            start, count = self._data.get(key, (window, 0))
            count = count + 1 if start == window else 1
            self._data[key] = (window, count)
            if len(self._data) > 100_000:  # bound memory: forget old windows
                self._data = {k: v for k, v in self._data.items() if v[0] == window}
            return count

    def peek(self, key: str, window_seconds: int) -> int:
        start, count = self._data.get(key, (None, 0))
        return count if start == self._window(window_seconds) else 0

    def reset(self, key: str) -> None:
        with self._lock:
            self._data.pop(key, None)


class RedisCounter:
    def __init__(self, url: str) -> None:
        import redis

        self._redis = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)

    def _key(self, key: str, window_seconds: int) -> str:
        return f"survey:rl:{key}:{int(time.time()) // window_seconds}"

    def hit(self, key: str, window_seconds: int) -> int:
        k = self._key(key, window_seconds)
        pipe = self._redis.pipeline()
        pipe.incr(k)
        pipe.expire(k, window_seconds + 1)
        count, _ = pipe.execute()
        return int(count)

    def peek(self, key: str, window_seconds: int) -> int:
        value = self._redis.get(self._key(key, window_seconds))
        return int(value) if value else 0

    def reset(self, key: str) -> None:
        for k in self._redis.scan_iter(f"survey:rl:{key}:*"):
            self._redis.delete(k)


def init_app(app: Flask) -> None:
    url = app.config.get("REDIS_URL")
    app.extensions["ratelimit"] = RedisCounter(url) if url else MemoryCounter()


def counter() -> Counter:
    return current_app.extensions["ratelimit"]
