"""Structured JSON logs, one object per line, with nothing personal in them.

Requests are logged by route pattern (``/q/<token>``), never by the raw path or query string, so
no receipt code, dossier number or token reaches a log file; client addresses are never logged.
The same holds for errors: Flask's "Exception on <path>" line names the route pattern, and
gunicorn's own error log goes through :func:`redact` (see ``gunicorn.conf.py``).
"""

from __future__ import annotations

import json
import logging
import re
import sys
import time
from datetime import datetime, timezone
from typing import Any

from flask import Flask, Response, g, request

ACCESS = logging.getLogger("survey.access")

_ADDRESS = re.compile(r"\bip=\S+?(?=[:,\s]|$)")
_QUOTED = re.compile(r"'[^']*'|\"[^\"]*\"")
_QUERY = re.compile(r"\?\S*")
_DEEP_PATH = re.compile(r"(?<![\w:/])(/[\w.~-]+)/\S*")


def redact(text: str) -> str:
    """``text`` without what a log line must not hold: client addresses (``ip=…``), quoted
    request lines, query strings, and every path segment after the first (``/q/<code>`` is
    written ``/q/…``). Used for messages that servers outside the app format with raw URIs."""
    text = _ADDRESS.sub("ip=…", text)
    text = _QUOTED.sub("'…'", text)
    text = _QUERY.sub("", text)
    return _DEEP_PATH.sub(r"\1/…", text)


class RedactingFilter(logging.Filter):
    """Rewrites each record's message (and its traceback text) through :func:`redact`."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = redact(record.getMessage())
        record.args = ()
        if record.exc_info and not record.exc_text:
            record.exc_text = redact(logging.Formatter().formatException(record.exc_info))
        return True


def _route() -> str:
    return request.url_rule.rule if request.url_rule else "(no route)"


class JSONFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, timezone.utc).isoformat(
                timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        extra = getattr(record, "fields", None)
        if isinstance(extra, dict):
            entry.update(extra)
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


def init_app(app: Flask) -> None:
    def log_exception(exc_info: Any) -> None:
        # Flask's own line is "Exception on <raw path>", which can hold a receipt code.
        app.logger.error("Exception on %s [%s]", _route(), request.method, exc_info=exc_info)

    app.log_exception = log_exception  # type: ignore[method-assign]
    fmt = app.config.get("LOG_FORMAT") or ("json" if app.config["ENV"] == "production"
                                            else "text")
    if fmt == "json" and not app.config.get("TESTING"):
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(JSONFormatter())
        for name in ("survey", app.logger.name):
            logger = logging.getLogger(name)
            logger.handlers[:] = [handler]
            logger.setLevel(app.config.get("LOG_LEVEL", "INFO"))
            logger.propagate = False

    @app.before_request
    def _start() -> None:
        g.started = time.perf_counter()

    @app.after_request
    def _access(response: Response) -> Response:
        started = g.get("started")
        ms = round((time.perf_counter() - started) * 1000, 1) if started else None
        if ms is not None:  # server time, readable by a browser's devtools and the benchmarks
            response.headers["Server-Timing"] = f"app;dur={ms}"
        ACCESS.info("request", extra={"fields": {
            "method": request.method,
            "route": request.url_rule.rule if request.url_rule else None,
            "endpoint": request.endpoint,
            "status": response.status_code,
            "ms": ms,
        }})
        return response
