"""The counter tablet: the static PWA in ``kiosk/`` served at ``/kiosk/``, and its two calls.

- ``GET /kiosk/`` and ``/kiosk/<file>``: the shell, scripts, stylesheet, manifest and icons with
  their proper MIME types (``application/manifest+json`` for the manifest, ``text/javascript``
  for the ES modules, which browsers refuse under ``nosniff`` otherwise). Everything is
  ``Cache-Control: no-cache`` with an ETag: the browser revalidates (a 304, a few hundred bytes)
  instead of mixing files of two releases, and the service worker (``sw.js``, scope ``/kiosk/``
  by its own location, so no ``Service-Worker-Allowed`` header) is always checked for updates.
- ``sw.js`` is served with its cache version filled in: :func:`shell_version`, a short SHA-256
  of every servable file of the shell, computed once when the app starts. Any change to a shell
  file therefore changes the service worker's bytes and its cache name; nobody bumps it by hand.
- Under ``TESTING`` only, ``index.html`` is served with ``data-test-hooks`` on ``<html>``; the
  client then exposes ``window.kioskState()`` / ``window.kioskFlush()`` for the browser tests.
  A production shell has no such attribute and no hooks.
- ``POST /kiosk/api/pair`` and ``GET /kiosk/api/device``: the pairing and registration calls,
  written in ``web/api/kiosk.py`` (the API's error body); both carry the questionnaire with its
  vocabulary (face labels, reasons, the comment's ``max_length``), so the tablet keeps no copy.

Votes themselves go to ``POST /api/v1/votes`` with the device token (web/api/votes.py).
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from flask import Blueprint, Flask, Response, abort, current_app, request, send_from_directory
from flask.blueprints import BlueprintSetupState

from .access import public
from .api import kiosk as kiosk_api

bp = Blueprint("kiosk", __name__, url_prefix="/kiosk")

#: The kiosk/ folder at the repository root (overridable with KIOSK_DIR).
DEFAULT_DIR = Path(__file__).resolve().parents[2] / "kiosk"
#: What may be served from it, and as what. Anything else (README.md) is a 404.
MIME_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".webmanifest": "application/manifest+json",
}
#: The placeholder in sw.js that is replaced by :func:`shell_version` when it is served.
VERSION_PLACEHOLDER = b"__SHELL_VERSION__"
_EXTENSION_KEY = "kiosk_shell_version"


def _kiosk_dir(app: Flask | None = None) -> Path:
    return Path((app or current_app).config.get("KIOSK_DIR") or DEFAULT_DIR)


def _servable(name: str) -> bool:
    return Path(name).suffix in MIME_TYPES and not name.startswith(".") and "/" not in name


def shell_version(directory: Path) -> str:
    """A short SHA-256 over every servable file of the shell (names and bytes, in name order).

    It names the service worker's cache: change one byte of any served file and it changes,
    leave them all alone and it stays, so tablets re-download the shell exactly when it changed.
    Files that are not served (README.md, dotfiles) do not count."""
    digest = hashlib.sha256()
    files = directory.iterdir() if directory.is_dir() else ()  # no client here: nothing served
    for path in sorted(p for p in files if p.is_file() and _servable(p.name)):
        data = path.read_bytes()
        digest.update(path.name.encode() + b"\0" + str(len(data)).encode() + b"\0")
        digest.update(data)
    return digest.hexdigest()[:16]


@bp.record_once
def _compute_shell_version(state: BlueprintSetupState) -> None:
    """Once, when the app starts: the cache version sw.js is served with."""
    state.app.extensions[_EXTENSION_KEY] = shell_version(_kiosk_dir(state.app))


def _from_bytes(data: bytes, mimetype: str) -> Response:
    """A filled-in file, revalidated like the others (ETag over the bytes actually sent)."""
    response = Response(data, mimetype=mimetype)
    response.headers["Cache-Control"] = "no-cache"
    response.add_etag()
    return response.make_conditional(request)


def _static(filename: str) -> Response:
    if not _servable(filename):
        abort(404)
    mimetype = MIME_TYPES[Path(filename).suffix]
    if filename == "sw.js":
        version = current_app.extensions.get(_EXTENSION_KEY) or shell_version(_kiosk_dir())
        data = (_kiosk_dir() / filename).read_bytes()
        return _from_bytes(data.replace(VERSION_PLACEHOLDER, version.encode()), mimetype)
    if filename == "index.html" and current_app.config.get("TESTING"):
        data = (_kiosk_dir() / filename).read_bytes()
        return _from_bytes(re.sub(rb"^<html\b", b"<html data-test-hooks", data, count=1,
                                  flags=re.MULTILINE), mimetype)
    response = send_from_directory(_kiosk_dir(), filename, mimetype=mimetype, max_age=0)
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.get("/")
@public
def shell() -> Response:
    """The app shell (index.html) under the URL the service worker caches it as."""
    return _static("index.html")


@bp.get("/<path:filename>")
@public
def asset(filename: str) -> Response:
    return _static(filename)


# The tablet's JSON calls live with the API (one error body); their URLs stay here.
bp.add_url_rule("/api/pair", view_func=kiosk_api.pair, methods=["POST"])
bp.add_url_rule("/api/device", view_func=kiosk_api.device, methods=["GET"])
