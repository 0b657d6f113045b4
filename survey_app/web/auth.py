"""Officer sign-in: Flask-WTF form, scrypt hashes, throttling, roles and unit scope; where each
role lands after signing in; every user's own password change.

The signed session cookie holds only the user id and a per-login nonce. Wrong passwords are
throttled per account, with waits that double after a few failures (one person's typos never
lock out colleagues behind the same office address), and under a much higher ceiling per
(hashed) network address against password spraying.
"""

from __future__ import annotations

import math
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any, TypeVar
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    g,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_wtf import FlaskForm
from sqlalchemy import select
from werkzeug.exceptions import HTTPException
from werkzeug.security import check_password_hash, generate_password_hash
from wtforms import PasswordField, StringField, ValidationError
from wtforms.validators import DataRequired, EqualTo, Length

from ..db import get_session
from ..models import Unit, UserAccount
from ..ratelimit import counter
from ..services import access, accounts
from ..services.accounts import MIN_PASSWORD_LENGTH, end_sessions
from ..services.audit import record_action
from ..services.security import keyed_hash
from .access import declare, public

bp = Blueprint("auth", __name__)
F = TypeVar("F", bound=Callable[..., Any])

#: Wrong passwords for one username before each further attempt must wait: FIRST_DELAY, then
#: twice as long after each further failure (1, 2, 4 … minutes), at most MAX_DELAY.
MAX_FAILURES = 5
FIRST_DELAY_SECONDS = 60
MAX_DELAY_SECONDS = 30 * 60
#: A username's failures are forgotten after a successful sign-in or this long without one.
FAILURE_MEMORY_SECONDS = 60 * 60
#: Against password spraying (a few guesses for each of many usernames): failures per network
#: address and window. High, because a whole office signs in from one NAT address.
ADDRESS_MAX_FAILURES = 100
ADDRESS_WINDOW_SECONDS = 15 * 60
#: How long one admitted attempt may keep others for the same username waiting at most (the
#: password check takes well under a second; this only matters if a worker dies mid-check).
CHECK_SECONDS = 30
#: Checked against when the username is unknown, so both paths cost one scrypt.
_DUMMY_HASH = generate_password_hash("not a real password")


class LoginForm(FlaskForm):
    username = StringField("Tên đăng nhập", validators=[DataRequired("Nhập tên đăng nhập."),
                                                        Length(max=80)])
    password = PasswordField("Mật khẩu", validators=[DataRequired("Nhập mật khẩu."),
                                                     Length(max=200)])


class PasswordForm(FlaskForm):
    current = PasswordField("Mật khẩu hiện tại",
                            validators=[DataRequired("Nhập mật khẩu hiện tại."), Length(max=200)])
    new = PasswordField("Mật khẩu mới", validators=[
        DataRequired("Nhập mật khẩu mới."),
        Length(min=MIN_PASSWORD_LENGTH, max=200,
               message=f"Mật khẩu mới cần từ {MIN_PASSWORD_LENGTH} đến 200 ký tự.")])
    confirm = PasswordField("Nhập lại mật khẩu mới", validators=[
        DataRequired("Nhập lại mật khẩu mới."),
        EqualTo("new", "Hai lần nhập mật khẩu mới không giống nhau.")])

    def validate_new(self, field: PasswordField) -> None:
        if field.data == self.current.data:
            raise ValidationError("Mật khẩu mới phải khác mật khẩu hiện tại.")


#: Where each role's work is: the page it lands on after signing in (without a ``next``).
LANDING = {"admin": "officer.dashboard", "officer": "officer.dashboard",
           "clerk": "paper.index"}


def landing(user: UserAccount) -> str:
    """The address of ``user``'s work: the dashboard for officers and admins, paper batches for
    clerks; the start page for an admin of a service with no units yet (no dashboard)."""
    endpoint = LANDING.get(user.role)
    if endpoint and user.unit_id is None \
            and get_session().scalar(select(Unit.id).limit(1)) is None:
        endpoint = None
    return url_for(endpoint) if endpoint else url_for("auth.home")


def current_user() -> UserAccount | None:
    """The signed-in, active user of this request, if any.

    The signed cookie alone is not trusted: it must carry the user's current session
    generation, which signing out, a new password, a role or unit change or disabling the
    account bumps (``accounts.end_sessions``), ending every session issued before.
    """
    if "user" not in g:
        user_id = session.get("uid")
        user = get_session().get(UserAccount, user_id) if isinstance(user_id, int) else None
        if user is not None and (not user.active
                                 or session.get("gen") != user.session_generation):
            user = None
        g.user = user
    return g.user


def sign_in(user: UserAccount) -> None:
    """Start a fresh session for ``user`` under its current session generation."""
    session.clear()
    session["uid"] = user.id
    session["gen"] = user.session_generation
    session["nonce"] = secrets.token_urlsafe(8)
    session.permanent = False


def login_required(*roles: str) -> Callable[[F], F]:
    """Require a signed-in user, with one of ``roles`` when given (403 otherwise)."""

    def decorate(view: F) -> F:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            user = current_user()
            if user is None:
                return redirect(url_for("auth.login", next=request.full_path))
            if roles and user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        return declare("login:" + ",".join(roles) if roles else "login")(wrapper)

    return decorate


def may_see_unit(user: UserAccount, unit_id: int) -> bool:
    """Admins see every unit; officers and clerks their own subtree (``access.may_read``)."""
    return access.may_read(get_session(), user, unit_id)


def require_page(rule: access.Rule, unit_id: int | None) -> None:
    """A page's check of an access rule for the signed-in user on a unit (None: not found):
    404 when refused, so other subtrees' units look absent (the API answers 403 instead:
    ``web/api/access.py``)."""
    if unit_id is None or not rule(get_session(), current_user(), unit_id):
        abort(404)


@dataclass(frozen=True)
class _Attempt:
    """A password check reserved for one username from one address (keys hold no names)."""

    user: str
    address: str
    has_turn: bool  # beyond the free attempts: the one check allowed after a wait


class _Throttled(Exception):
    def __init__(self, seconds: float, message: str) -> None:
        super().__init__(message)
        self.seconds = max(1, math.ceil(seconds))
        self.message = message.format(minutes=max(1, math.ceil(self.seconds / 60)))


def _throttle_keys(username: str) -> tuple[str, str]:
    secret = current_app.config["SECRET_KEY"]
    address = request.remote_addr or "unknown"
    return (f"login:user:{keyed_hash(secret, 'login', username.lower())}",
            f"login:addr:{keyed_hash(secret, 'ip', address)}")


def _delay(failures: int) -> int:
    """Seconds to wait after ``failures`` (≥ MAX_FAILURES) wrong passwords for a username."""
    doublings = min(max(0, failures - MAX_FAILURES), 16)
    return min(MAX_DELAY_SECONDS, FIRST_DELAY_SECONDS * 2 ** doublings)


def _begin_attempt(username: str) -> _Attempt:
    """Reserve one password check, or raise _Throttled with how long to wait.

    Every decision is taken on a count returned by an atomic increment, so concurrent
    attempts cannot all pass: the first MAX_FAILURES - 1 reservations for a username are
    free; any further one must also take the username's turn, which exists once and is held
    for the wait after each failure (a success releases everything).
    """
    limiter = counter()
    user, address = _throttle_keys(username)
    if limiter.hit(address, ADDRESS_WINDOW_SECONDS) > ADDRESS_MAX_FAILURES:
        limiter.hit(address, ADDRESS_WINDOW_SECONDS, -1)
        left = ADDRESS_WINDOW_SECONDS - time.time() % ADDRESS_WINDOW_SECONDS
        raise _Throttled(left, "Có quá nhiều lần đăng nhập sai từ địa chỉ mạng này. "
                               "Vui lòng thử lại sau {minutes} phút.")
    if limiter.add(f"{user}:n", 1, FAILURE_MEMORY_SECONDS) < MAX_FAILURES:
        return _Attempt(user, address, has_turn=False)
    wait = limiter.acquire(f"{user}:turn", CHECK_SECONDS)
    if wait <= 0:
        return _Attempt(user, address, has_turn=True)
    limiter.add(f"{user}:n", -1, FAILURE_MEMORY_SECONDS)  # refused: not a check, not counted
    limiter.hit(address, ADDRESS_WINDOW_SECONDS, -1)
    raise _Throttled(wait, "Đăng nhập sai quá nhiều lần. Vui lòng thử lại sau {minutes} phút.")


def _attempt_succeeded(attempt: _Attempt) -> None:
    limiter = counter()
    limiter.hit(attempt.address, ADDRESS_WINDOW_SECONDS, -1)
    for key in (f"{attempt.user}:n", f"{attempt.user}:failed", f"{attempt.user}:turn"):
        limiter.reset(key)


def _attempt_abandoned(attempt: _Attempt) -> None:
    limiter = counter()
    limiter.hit(attempt.address, ADDRESS_WINDOW_SECONDS, -1)
    limiter.add(f"{attempt.user}:n", -1, FAILURE_MEMORY_SECONDS)
    if attempt.has_turn:
        limiter.reset(f"{attempt.user}:turn")


def _attempt_failed(attempt: _Attempt) -> None:
    limiter = counter()
    failures = limiter.add(f"{attempt.user}:failed", 1, FAILURE_MEMORY_SECONDS)
    if attempt.has_turn:  # the next attempt waits; free attempts still in flight count too
        limiter.hold(f"{attempt.user}:turn", _delay(max(failures, MAX_FAILURES)))


def _safe_next(target: str | None, user: UserAccount) -> str:
    """``target`` when it is a page of this site that ``user``'s role may open, else the
    user's landing page (a clerk sent to sign in from an officer page would only get a 403)."""
    if not target or urlsplit(target).netloc or urlsplit(target).scheme \
            or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return landing(user)
    adapter = current_app.url_map.bind("localhost")
    try:
        endpoint, _ = adapter.match(urlsplit(target).path, method="GET")
    except HTTPException:  # no such page (a redirect or a 404): the user's own work instead
        return landing(user)
    rule = getattr(current_app.view_functions.get(endpoint), "access", "")
    roles = rule.removeprefix("login:").split(",") if rule.startswith("login:") else []
    if roles and user.role not in roles:
        return landing(user)
    return target


@bp.route("/login", methods=["GET", "POST"])
@public
def login() -> Any:
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        username = form.username.data.strip()
        try:
            attempt = _begin_attempt(username)
        except _Throttled as throttled:
            flash(throttled.message, "error")
            response = make_response(render_template("auth/login.html", form=form), 429)
            response.headers["Retry-After"] = str(throttled.seconds)
            return response
        try:
            user = get_session().scalar(
                select(UserAccount).where(UserAccount.username == username))
            ok = check_password_hash(user.password_hash if user else _DUMMY_HASH,
                                     form.password.data)
        except Exception:  # the database failed (503): this attempt was no failure
            _attempt_abandoned(attempt)
            raise
        if user is not None and user.active and ok:
            _attempt_succeeded(attempt)
            sign_in(user)
            return redirect(_safe_next(request.args.get("next"), user))
        _attempt_failed(attempt)
        flash("Tên đăng nhập hoặc mật khẩu không đúng.", "error")
        status = 401
    elif request.method == "POST":
        status = 400
    return render_template("auth/login.html", form=form), status


@bp.post("/logout")
@public
def logout() -> Any:
    """Sign out here and everywhere: a copy of this session's cookie no longer opens a page."""
    user = current_user()
    if user is not None:
        end_sessions(get_session(), user)
    session.clear()
    flash("Đã đăng xuất.", "info")
    return redirect(url_for("auth.login"))


@bp.route("/account/password", methods=["GET", "POST"])
@login_required()
def password() -> Any:
    """Any signed-in user changes their own password: the current one is required (and
    throttled like signing in), the new one ends every other session of the account while
    this one goes on."""
    user = current_user()
    assert user is not None
    form = PasswordForm()
    status = 200
    if form.validate_on_submit():
        try:
            attempt = _begin_attempt(user.username)
        except _Throttled as throttled:
            form.current.errors = [throttled.message]
            response = _password_page(form, 429)
            response.headers["Retry-After"] = str(throttled.seconds)
            return response
        if check_password_hash(user.password_hash, form.current.data):
            _attempt_succeeded(attempt)
            db = get_session()
            accounts.set_password(db, user, form.new.data)
            record_action(db, user, "user.password", "user_account", user.id,
                          username=user.username, by="self")
            db.refresh(user)
            csrf_token = session.get("csrf_token")
            sign_in(user)  # this session under the new generation; all others have ended
            if csrf_token:  # the same browser: its open forms (and a resent one) stay valid
                session["csrf_token"] = csrf_token
            flash("Đã đổi mật khẩu. Các phiên đăng nhập khác của tài khoản này đã kết thúc.",
                  "info")
            return redirect(landing(user))
        _attempt_failed(attempt)
        form.current.errors = ["Mật khẩu hiện tại không đúng."]
        status = 400
    elif request.method == "POST":
        status = 400
    return _password_page(form, status)


def _password_page(form: PasswordForm, status: int) -> Any:
    return make_response(render_template("auth/password.html", form=form,
                                         min_length=MIN_PASSWORD_LENGTH), status)


@bp.get("/")
@public
def home() -> Any:
    """Start page: officers go to their workspace, others see what the service offers."""
    user = current_user()
    return render_template("auth/home.html", user=user)


def init_app(app: Any) -> None:
    @app.context_processor
    def _inject_user() -> dict[str, Any]:
        return {"current_user": current_user}
