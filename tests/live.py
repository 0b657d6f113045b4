"""The Flask app served for real on loopback, for tests that need concurrent HTTP clients
(races between requests) or a real browser (tests/browser)."""

from __future__ import annotations

import os
import threading
import uuid
from typing import NoReturn

from werkzeug.serving import make_server


class LiveServer:
    """The Flask app on a real socket in a background thread (a thread per request)."""

    def __init__(self, app) -> None:  # type: ignore[no-untyped-def]
        self.app = app
        self._server = make_server("127.0.0.1", 0, app, threaded=True)
        self.port = self._server.server_port
        self.url = f"http://127.0.0.1:{self.port}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> LiveServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._thread.join(timeout=10)
        self._server.server_close()


#: A Redis for tests that need a real one; those tests are skipped when it does not answer.
REDIS_URL = os.environ.get("SURVEY_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
#: Nothing listens on port 1: connecting is refused at once, like a stopped Redis.
CLOSED_REDIS_URL = "redis://127.0.0.1:1/0"


def missing(reason: str) -> NoReturn:
    """Skip a test whose service or program is missing here — except in CI (``CI`` set), where
    ``.ci/run`` installs everything, so a missing piece fails the test instead of hiding it."""
    import pytest

    if os.environ.get("CI"):
        pytest.fail(reason)
    pytest.skip(reason)


def real_redis_or_skip() -> str:
    """The test Redis URL, or skip the test when no Redis answers there — except in CI
    (``CI`` set), where a missing Redis fails the test instead of hiding it."""
    import redis

    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except redis.RedisError as exc:
        missing(f"no Redis at {REDIS_URL} ({exc.__class__.__name__})")
    return REDIS_URL


def unique_redis_prefix() -> str:
    """A key prefix of this test's own, so it neither sees nor disturbs other users' keys."""
    return f"survey-test:{uuid.uuid4().hex}:"


def forget_redis_keys(url: str, prefix: str) -> None:
    """Delete the keys a test wrote under its own prefix (and nothing else)."""
    import redis

    client = redis.Redis.from_url(url)
    for key in client.scan_iter(match=f"{prefix}*", count=1000):
        client.delete(key)
    client.close()
