"""The counter tablet: the static PWA in ``kiosk/`` served at ``/kiosk/``, and its two calls.

- ``GET /kiosk/`` and ``/kiosk/<file>``: the shell, scripts, stylesheet, manifest and icons with
  their proper MIME types (``application/manifest+json`` for the manifest, ``text/javascript``
  for the ES modules, which browsers refuse under ``nosniff`` otherwise). Everything is
  ``Cache-Control: no-cache`` with an ETag: the browser revalidates (a 304, a few hundred bytes)
  instead of mixing files of two releases, and the service worker (``sw.js``, scope ``/kiosk/``
  by its own location, so no ``Service-Worker-Allowed`` header) is always checked for updates.
- ``POST /kiosk/api/pair`` and ``GET /kiosk/api/device``: the pairing and registration calls,
  written in ``web/api/kiosk.py``.

Votes themselves go to ``POST /api/v1/votes`` with the device token (web/api/votes.py).
"""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, Response, abort, current_app, send_from_directory

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


def _kiosk_dir() -> Path:
    return Path(current_app.config.get("KIOSK_DIR") or DEFAULT_DIR)


def _static(filename: str) -> Response:
    suffix = Path(filename).suffix
    if suffix not in MIME_TYPES or filename.startswith(".") or "/" in filename:
        abort(404)
    response = send_from_directory(_kiosk_dir(), filename, mimetype=MIME_TYPES[suffix],
                                   max_age=0)
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
