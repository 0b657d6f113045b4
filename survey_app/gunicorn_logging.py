"""gunicorn's error log without raw request lines, paths, query strings or client addresses.

gunicorn writes "Error handling request GET /q/<code>?…" when the app raises, and "Invalid
request from ip=…: Invalid HTTP request line: '…'" for malformed requests. Both would put a
receipt code or a client address into the log; ``gunicorn.conf.py`` names this logger class,
which passes every error-log record through :func:`survey_app.logs.redact`.
"""

from __future__ import annotations

from typing import Any

from gunicorn.glogging import Logger

from .logs import RedactingFilter


class PrivateLogger(Logger):
    def setup(self, cfg: Any) -> None:
        super().setup(cfg)
        if not any(isinstance(f, RedactingFilter) for f in self.error_log.filters):
            self.error_log.addFilter(RedactingFilter())
