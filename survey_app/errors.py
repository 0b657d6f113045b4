"""Error responses: JSON with a message for the API, a Vietnamese page for everyone else, never
a stack trace for anyone.

API paths (``/api/``, the kiosk's ``/kiosk/api/``, ``/healthz``) answer
``{"error", "message"[, "errors"]}``. Every other path answers ``templates/errors/error.html``:
a Vietnamese heading and sentence, an English line, and a link back — to the same address
after a failed form post (a citizen reloads the ballot and sends it again), else to the
referring page of this site, else to ``/``. Citizen pages (ballots, the kiosk) show it in their
own plain layout; every other page (officer, clerk and admin pages, sign-in, unknown addresses)
in the officers' layout with its navigation, so a signed-in user can go on to their work.
Views that render their own page for a status (the ballot's "link not found") keep doing so:
only aborted requests arrive here.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask, Response, current_app, g, jsonify, render_template, request
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import HTTPException, InternalServerError
from werkzeug.routing import RequestRedirect
from werkzeug.urls import iri_to_uri

from .i18n import current_language
from .messages import message
from .web.auth import current_user

_KEYS = {400: "bad_json", 401: "unauthorized", 403: "forbidden", 404: "not_found",
         405: "method_not_allowed", 413: "too_large", 503: "unavailable"}

#: status (or "csrf") → (Vietnamese heading, Vietnamese sentence, English line)
PAGES: dict[int | str, tuple[str, str, str]] = {
    400: ("Yêu cầu không hợp lệ",
          "Địa chỉ hoặc dữ liệu gửi lên không đúng; vui lòng quay lại và thử lại.",
          "Bad request: the address or the data sent is not valid."),
    401: ("Cần đăng nhập", "Vui lòng đăng nhập để mở trang này.",
          "Unauthorized: please sign in to open this page."),
    403: ("Không có quyền truy cập", "Tài khoản của Ông/Bà không được phép mở trang này.",
          "Forbidden: your account may not open this page."),
    404: ("Không tìm thấy trang",
          "Địa chỉ có thể đã gõ sai, hoặc trang này không còn nữa.",
          "Page not found: the address may be mistyped, or the page no longer exists."),
    405: ("Phương thức không được hỗ trợ",
          "Trang này không nhận yêu cầu theo cách vừa gửi; vui lòng mở lại trang.",
          "Method not allowed: this page does not accept the request as sent."),
    410: ("Trang không còn hiệu lực", "Nội dung này đã hết hạn hoặc đã được gỡ bỏ.",
          "Gone: this content has expired or was removed."),
    413: ("Dữ liệu gửi lên quá lớn",
          "Vui lòng rút ngắn nội dung hoặc chọn tệp nhỏ hơn rồi gửi lại.",
          "Request too large: please shorten the text or choose a smaller file."),
    429: ("Quá nhiều yêu cầu", "Vui lòng chờ một lát rồi thử lại.",
          "Too many requests: please wait a moment and try again."),
    500: ("Lỗi hệ thống", "Đã xảy ra lỗi ngoài ý muốn; vui lòng thử lại sau.",
          "Internal error: something went wrong; please try again later."),
    503: ("Dịch vụ tạm thời gián đoạn",
          "Hệ thống tạm thời không lưu được dữ liệu; vui lòng thử lại sau ít phút.",
          "Service unavailable: nothing was stored; please try again in a few minutes."),
    "csrf": ("Phiên làm việc đã hết hạn",
             "Vui lòng tải lại trang, kiểm tra lại thông tin đã nhập rồi gửi lại.",
             "Your session has expired: please reload the page and send it again."),
}


def json_error(status: int, key: str, errors: dict[str, str] | None = None) -> Response:
    body: dict[str, object] = {"error": key, "message": message(key, current_language())}
    if errors is not None:
        body["errors"] = errors
    response = jsonify(body)
    response.status_code = status
    return response


def wants_json() -> bool:
    """Whether this request's errors are JSON (the APIs) rather than a page."""
    return request.path.startswith(("/api/", "/kiosk/api/")) or request.path == "/healthz"


def error_page(status: int, detail: str | None = None, *, kind: int | str | None = None
               ) -> Response:
    """The Vietnamese error page for ``status`` (texts of ``kind`` when given, e.g. "csrf"),
    with ``detail`` as an extra sentence."""
    key = kind if kind in PAGES else status if status in PAGES else 500 if status >= 500 else 400
    heading, body, english = PAGES[key]
    reload = request.method not in ("GET", "HEAD") and _gettable()
    back = _this_page() if reload else _referrer() or "/"
    label = "Tải lại trang" if reload else "Quay lại" if back != "/" else "Về trang chủ"
    citizen = _citizen_page()
    if not citizen:
        _settle_user(status)
    html = render_template(
        "errors/error.html", lang="vi", t={}, status=status, heading=heading, body=body,
        english=english, detail=detail, back=back, back_label=label, citizen=citizen)
    response = Response(html, status=status, mimetype="text/html")
    response.headers["Cache-Control"] = "no-store"
    return response


#: Blueprints (and, for addresses no route matches, path prefixes) of citizen-facing pages:
#: their errors keep the citizens' layout, with no officer navigation and no inline styles.
CITIZEN_BLUEPRINTS = frozenset({"public", "kiosk"})
CITIZEN_PREFIXES = ("/w/", "/q/", "/cam-on", "/kiosk")


def _citizen_page() -> bool:
    if request.blueprint is not None:
        return request.blueprint in CITIZEN_BLUEPRINTS
    return request.path.startswith(CITIZEN_PREFIXES)


def _settle_user(status: int) -> None:
    """Decide, before rendering, who the navigation shows as signed in, without letting the
    error page fail: with the database unavailable (503) nobody is looked up, and a lookup
    that fails (a broken transaction behind a 500) shows the page as for a visitor."""
    if status == 503 and "user" not in g:
        g.user = None
        return
    try:
        user = current_user()
        if user is not None and user.unit is not None:
            user.unit.name  # noqa: B018  (loaded now, not half-way through the template)
    except Exception:
        g.user = None


def _gettable() -> bool:
    """Whether a GET of this request's address reaches a view: a form posts to the address of
    its own page, so after a failed post the page can be loaded again."""
    if request.path.startswith("//"):
        return False
    adapter = current_app.url_map.bind_to_environ(request.environ)
    try:
        adapter.match(method="GET")
    except HTTPException as exc:  # NotFound, MethodNotAllowed; a redirect still has a page
        return isinstance(exc, RequestRedirect)
    return True


def _this_page() -> str:
    """This request's address (path and query)."""
    query = request.query_string.decode("latin-1")
    return iri_to_uri(request.path) + (f"?{query}" if query else "")


def _referrer() -> str | None:
    """The referring page when it is on this site (path and query only), else None."""
    raw = request.referrer
    if not raw:
        return None
    try:
        parts = urlsplit(raw)
    except ValueError:
        return None
    if parts.netloc != request.host or parts.scheme not in ("http", "https") \
            or not parts.path.startswith("/") or parts.path.startswith("//"):
        return None
    return parts.path + (f"?{parts.query}" if parts.query else "")


def init_app(app: Flask) -> None:
    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException) -> Response | HTTPException:
        if exc.code is None or exc.code < 400:
            return exc
        if wants_json():
            return json_error(exc.code, _KEYS.get(exc.code, "internal"))
        response = error_page(exc.code, kind="csrf" if isinstance(exc, CSRFError) else None)
        for header, value in exc.get_headers():
            if header in ("Allow", "Retry-After", "WWW-Authenticate"):
                response.headers[header] = value
        return response

    @app.errorhandler(OperationalError)
    def _database_down(exc: OperationalError) -> Response:
        # Database unreachable, locked beyond the timeout, read-only or full: nothing was
        # stored, and the client may retry with the same client_id.
        app.logger.error("database unavailable: %s", exc.orig.__class__.__name__)
        if not wants_json():
            return error_page(503)
        return json_error(503, "unavailable")

    @app.errorhandler(InternalServerError)
    def _internal(exc: InternalServerError) -> Response | InternalServerError:
        # A failed commit in after_request arrives here wrapped; it is still "unavailable".
        if isinstance(exc.original_exception, OperationalError):
            return _database_down(exc.original_exception)
        if wants_json():
            return json_error(500, "internal")
        try:
            return error_page(500)
        except Exception:  # the page itself failed: Werkzeug's plain one, still no traceback
            return exc
