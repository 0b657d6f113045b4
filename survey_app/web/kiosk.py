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
- ``POST /kiosk/api/pair {"code"}``: exchanges a pairing code for a device token. Exempt from
  CSRF (no cookie is involved; the code is the credential). Failed attempts are counted per
  keyed hash of the network address; past the limit the endpoint answers 429 for the rest of
  the window, so codes cannot be guessed.
- ``GET /kiosk/api/device`` (``Authorization: Bearer sk_…``): the unit, counter and the
  questionnaire the tablet should use; 401 ``revoked`` or ``unauthorized``.

Both answers carry the questionnaire with its vocabulary, read from its definition: the face
labels, the reasons (value and Vietnamese/English labels) and the comment's ``max_length``. The
tablet caches them for offline use and keeps no copy of its own, so the limit it enforces while
typing is the one the votes endpoint validates with.

Votes themselves go to ``POST /api/v1/votes`` with the device token (web/api.py).
"""

from __future__ import annotations

import hashlib
import re
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from flask import (
    Blueprint,
    Flask,
    Response,
    abort,
    current_app,
    jsonify,
    request,
    send_from_directory,
)
from flask.blueprints import BlueprintSetupState

from ..db import get_session
from ..extensions import csrf
from ..i18n import current_language
from ..messages import message
from ..models import Counter, Unit
from ..ratelimit import counter as rate_counter
from ..services import kiosk as kiosk_service
from ..services.audit import record_action
from ..services.questionnaires import QuestionnaireVersion
from ..services.security import keyed_hash

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
#: Failed pairing attempts per keyed address hash and window before 429.
PAIR_ATTEMPTS = 10
PAIR_WINDOW_SECONDS = 15 * 60
PAIRING_STATUS = {"malformed": 422, "unknown": 404, "expired": 410, "used": 422}
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
def shell() -> Response:
    """The app shell (index.html) under the URL the service worker caches it as."""
    return _static("index.html")


@bp.get("/<path:filename>")
def asset(filename: str) -> Response:
    return _static(filename)


def _lang() -> str:
    # The tablet shows the server's message as is in its Vietnamese mode, and translates the
    # status itself in English mode; so answer Vietnamese unless ?lang=en is explicit (a
    # tablet's system locale is often en-US and must not switch the kiosk's language).
    return current_language(negotiate=False)


def _json(body: dict[str, Any], status: int) -> Response:
    response = jsonify(body)
    response.status_code = status
    response.headers["Cache-Control"] = "no-store"
    return response


def _error(status: int, key: str, field: str | None = None,
           params: dict[str, Any] | None = None) -> Response:
    text = message(key, _lang(), params)
    body: dict[str, Any] = {"error": key, "message": text}
    if field is not None:
        body["errors"] = {field: text}
    return _json(body, status)


def _place(unit: Unit, counter: Counter | None) -> dict[str, Any]:
    return {"unit": {"code": unit.code, "name": unit.name},
            "counter": {"code": counter.code, "name": counter.name} if counter else None}


def _questionnaire(found: QuestionnaireVersion | None) -> dict[str, Any] | None:
    """The questionnaire the tablet votes with, and the vocabulary it shows, from its definition:
    face labels, reasons and the comment limit (``None`` where the form has no such item)."""
    if found is None:
        return None
    definition = found.definition

    def options(code: str) -> list[dict[str, Any]]:
        item = definition.item(code)
        if item is None or item.scale is None:
            return []
        return [{"value": o.value, "label": dict(o.label)} for o in item.scale.options]

    comment = definition.item("comment")
    return {
        "code": found.code,
        "version": found.version,
        "levels": options("overall"),
        "reasons": options("reasons"),
        "comment": ({"max_length": comment.max_length} if comment is not None else None),
    }


def _today() -> date:
    return datetime.now(ZoneInfo(current_app.config["TIMEZONE"])).date()


def _throttle_key() -> str:
    address = request.remote_addr or "unknown"
    return f"kiosk-pair:{keyed_hash(current_app.config['SECRET_KEY'], 'ip', address)}"


@bp.post("/api/pair")
@csrf.exempt
def pair() -> Response:
    """201 {token, unit, counter, questionnaire}; 404 unknown, 410 expired, 422 used or
    malformed, 429."""
    cfg = current_app.config
    limit = int(cfg.get("KIOSK_PAIR_ATTEMPTS", PAIR_ATTEMPTS))
    window = int(cfg.get("KIOSK_PAIR_WINDOW_SECONDS", PAIR_WINDOW_SECONDS))
    key = _throttle_key()
    limiter = rate_counter()
    # Count the attempt first and decide on that count, so concurrent guesses cannot all pass
    # the limit; an attempt that turns out not to be a wrong code is given back.
    if limiter.hit(key, window) > limit:
        limiter.hit(key, window, -1)
        response = _error(429, "pairing_throttled", "code",
                          {"minutes": max(1, round(window / 60))})
        response.headers["Retry-After"] = str(window)
        return response
    payload = request.get_json(silent=True)
    code = payload.get("code") if isinstance(payload, dict) else None
    if not isinstance(code, str) or not code.strip():
        limiter.hit(key, window, -1)
        return _error(422, "pairing_malformed", "code")
    session = get_session()
    now = datetime.now(timezone.utc)
    try:
        device, token, row = kiosk_service.pair_device(
            session, code[:64], secret_key=cfg["SECRET_KEY"], now=now)
    except kiosk_service.PairingError as exc:  # a failed attempt: it stays counted
        return _error(PAIRING_STATUS[exc.kind], f"pairing_{exc.kind}", "code")
    limiter.hit(key, window, -1)
    record_action(session, row.created_by, "kiosk.pair", "kiosk_device", device.id,
                  code_id=row.id, unit=row.unit.code,
                  counter=row.counter.code if row.counter else None)
    questionnaire = kiosk_service.kiosk_questionnaire(session, row.unit.id, _today())
    return _json({"token": token, "device_id": device.id, **_place(row.unit, row.counter),
                  "questionnaire": _questionnaire(questionnaire)}, 201)


def _bearer() -> str | None:
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


@bp.get("/api/device")
def device() -> Response:
    """The tablet's registration: 200 {unit, counter, questionnaire (with vocabulary)};
    401 revoked/unauthorized."""
    session = get_session()
    token = _bearer()
    found, state = kiosk_service.device_by_token(session, token or "")
    if found is None or state != "active":
        response = _error(401, "revoked" if state == "revoked" else "unauthorized")
        response.headers["WWW-Authenticate"] = 'Bearer realm="kiosk"'
        return response
    kiosk_service.mark_seen(found, datetime.now(timezone.utc))
    questionnaire = kiosk_service.kiosk_questionnaire(session, found.unit_id, _today())
    return _json({
        "device_id": found.id,
        **_place(found.unit, found.counter),
        "questionnaire": _questionnaire(questionnaire),
    }, 200)

