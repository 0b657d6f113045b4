"""No log line holds a receipt code, query string, client address or citizen text (issue 13):
Flask's exception line, SQL errors and gunicorn's own error log under the real gunicorn."""

from __future__ import annotations

import logging
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import text

from survey_app.db import get_db
from survey_app.logs import RedactingFilter, redact

ROOT = Path(__file__).resolve().parents[2]
SECRET_CODE = "Zq7SECRETcode.sig"
DOSSIER = "HS-000987654"


@pytest.mark.parametrize("line", [
    f"Error handling request POST /q/{SECRET_CODE}?dossier={DOSSIER}",
    f"Invalid request from ip=203.0.113.9: Invalid HTTP request line: 'GET /q/{SECRET_CODE}'",
    f"Error handling request /r/{DOSSIER}",
])
def test_redact_leaves_no_code_address_or_query(line):
    out = redact(line)
    assert SECRET_CODE not in out and DOSSIER not in out and "203.0.113.9" not in out
    assert out.startswith(line.split(" /")[0].split(" ip=")[0])


def test_flask_exception_line_names_the_route_not_the_path(app, caplog):
    app.config["PROPAGATE_EXCEPTIONS"] = False

    @app.get("/boom/<code>")
    def boom(code: str) -> str:
        raise RuntimeError("the view failed")

    with caplog.at_level(logging.ERROR):
        r = app.test_client().get(f"/boom/{SECRET_CODE}?dossier={DOSSIER}")
    assert r.status_code == 500
    logged = "\n".join(rec.getMessage() + (rec.exc_text or "") for rec in caplog.records)
    assert "Exception on /boom/<code> [GET]" in logged
    assert SECRET_CODE not in logged and DOSSIER not in logged


def test_sql_errors_do_not_carry_the_parameters(app):
    with pytest.raises(Exception) as failure:
        with get_db(app).engine.connect() as conn:
            conn.execute(text("SELECT CAST(:comment AS INTEGER) + missing_column"),
                         {"comment": f"gọi 0905123456 {DOSSIER}"})
    assert DOSSIER not in str(failure.value) and "0905123456" not in str(failure.value)


def test_the_redacting_filter_rewrites_tracebacks():
    try:
        raise ValueError(f"bad uri /q/{SECRET_CODE}?d={DOSSIER}")
    except ValueError:
        record = logging.LogRecord("gunicorn.error", logging.ERROR, __file__, 1,
                                   "Error handling request %s", (f"/q/{SECRET_CODE}",),
                                   sys.exc_info())
    RedactingFilter().filter(record)
    formatted = logging.Formatter().format(record)
    assert "Error handling request /q/…" in formatted and "ValueError" in formatted
    assert SECRET_CODE not in formatted and DOSSIER not in formatted


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_gunicorn_error_log_under_the_real_server(tmp_path, database_url):
    """A malformed request line holding a receipt code, sent to gunicorn with the project's
    gunicorn.conf.py: the error log says a request was invalid, and nothing more."""
    port = _free_port()
    env = {**os.environ, "SURVEY_DATABASE_URL": database_url, "SURVEY_BIND": f"127.0.0.1:{port}",
           "SURVEY_WORKERS": "1", "SURVEY_SECRET_KEY": "x" * 40}
    log = tmp_path / "gunicorn.log"
    with log.open("wb") as out:
        server = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "--log-level", "debug",
             "wsgi:app"], cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=1).close()
                    break
                except OSError:
                    time.sleep(0.2)
            else:
                pytest.fail("gunicorn did not start: " + log.read_text())
            # the master accepts at once; on a busy machine the worker may take a while to boot
            with socket.create_connection(("127.0.0.1", port), timeout=90) as conn:
                conn.sendall(f"GET /q/{SECRET_CODE}?dossier={DOSSIER}\r\n\r\n".encode())
                assert conn.recv(200).startswith(b"HTTP/1.1 400")
            time.sleep(0.5)
        finally:
            server.terminate()
            server.wait(timeout=20)
    written = log.read_text()
    assert "Invalid request from ip=…" in written, written
    assert SECRET_CODE not in written and DOSSIER not in written
    assert "ip=127.0.0.1" not in written
