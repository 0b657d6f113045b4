"""gunicorn settings; every value can be overridden by the GUNICORN_CMD_ARGS environment variable.

Threads let one worker overlap database waits; workers use both cores. See docs/deploy.md.
"""

import multiprocessing
import os

bind = os.environ.get("SURVEY_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("SURVEY_WORKERS", multiprocessing.cpu_count() * 2))
worker_class = "gthread"
threads = int(os.environ.get("SURVEY_THREADS", 4))
timeout = 30
graceful_timeout = 20
keepalive = 5
max_requests = 5000
max_requests_jitter = 500
# Build the app once, in the master: a worker that max_requests retires is then replaced by a
# fork, not by importing every module again (~2.5 s of CPU, on the cores that store votes;
# bench/README.md). Forked workers must not share the master's database connections.
preload_app = True
# Request lines and headers are small for this API; refuse abuse early.
limit_request_line = 4094
limit_request_fields = 50
# No gunicorn access log: it would print raw paths (receipt codes) and client addresses. The
# app logs each request as JSON by route pattern instead (survey_app/logs.py).
accesslog = None
errorlog = "-"
# gunicorn's error log would name the raw request line on a worker error or a malformed
# request: this logger rewrites those lines without paths, query strings or addresses.
logger_class = "survey_app.gunicorn_logging.PrivateLogger"


def post_fork(server, worker):  # noqa: ARG001 (gunicorn's hook signature)
    """A new worker drops the connection pool it inherited from the master (without closing
    the master's sockets): each process opens its own connections."""
    import sys

    module = sys.modules.get("wsgi")  # absent when serving another app (bench/lean_reference)
    if module is not None:
        from survey_app.db import get_db

        get_db(module.app).engine.dispose(close=False)
