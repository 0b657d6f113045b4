"""Officer sign-in: Flask-WTF form, scrypt hashes, throttling, roles and unit scope.

The signed session cookie holds only the user id and a per-login nonce. Repeated failures for a
username or from a (hashed) network address lock sign-in for that key for a while.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_wtf import FlaskForm
from sqlalchemy import select
from werkzeug.security import check_password_hash, generate_password_hash
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Length

from ..db import get_session
from ..models import UserAccount
from ..ratelimit import counter
from ..services.security import keyed_hash
from ..services.units import in_subtree

bp = Blueprint("auth", __name__)
F = TypeVar("F", bound=Callable[..., Any])

#: Failures allowed per username and per network address in one window.
MAX_FAILURES = 5
WINDOW_SECONDS = 15 * 60
#: Checked against when the username is unknown, so both paths cost one scrypt.
_DUMMY_HASH = generate_password_hash("not a real password")


class LoginForm(FlaskForm):
    username = StringField("Tên đăng nhập", validators=[DataRequired("Nhập tên đăng nhập."),
                                                        Length(max=80)])
    password = PasswordField("Mật khẩu", validators=[DataRequired("Nhập mật khẩu."),
                                                     Length(max=200)])


def current_user() -> UserAccount | None:
    """The signed-in, active user of this request, if any."""
    if "user" not in g:
        user_id = session.get("uid")
        user = get_session().get(UserAccount, user_id) if user_id else None
        g.user = user if user is not None and user.active else None
    return g.user


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

        return wrapper  # type: ignore[return-value]

    return decorate


def may_see_unit(user: UserAccount, unit_id: int) -> bool:
    """Admins see every unit; officers and clerks their own subtree."""
    if user.role == "admin":
        return True
    return user.unit_id is not None and in_subtree(get_session(), user.unit_id, unit_id)


def _throttle_keys(username: str) -> list[str]:
    secret = current_app.config["SECRET_KEY"]
    address = request.remote_addr or "unknown"
    return [f"login:user:{keyed_hash(secret, 'login', username.lower())}",
            f"login:addr:{keyed_hash(secret, 'ip', address)}"]


def _safe_next(target: str | None) -> str:
    if target and not urlsplit(target).netloc and target.startswith("/") \
            and not target.startswith("//"):
        return target
    return url_for("auth.home")


@bp.route("/login", methods=["GET", "POST"])
def login() -> Any:
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        username = form.username.data.strip()
        keys = _throttle_keys(username)
        limiter = counter()
        if any(limiter.peek(k, WINDOW_SECONDS) >= MAX_FAILURES for k in keys):
            flash("Đăng nhập sai quá nhiều lần. Vui lòng thử lại sau 15 phút.", "error")
            return render_template("auth/login.html", form=form), 429
        user = get_session().scalar(select(UserAccount).where(UserAccount.username == username))
        ok = check_password_hash(user.password_hash if user else _DUMMY_HASH,
                                 form.password.data)
        if user is not None and user.active and ok:
            session.clear()
            session["uid"] = user.id
            session["nonce"] = secrets.token_urlsafe(8)
            session.permanent = False
            return redirect(_safe_next(request.args.get("next")))
        for k in keys:
            limiter.hit(k, WINDOW_SECONDS)
        flash("Tên đăng nhập hoặc mật khẩu không đúng.", "error")
        status = 401
    elif request.method == "POST":
        status = 400
    return render_template("auth/login.html", form=form), status


@bp.post("/logout")
def logout() -> Any:
    session.clear()
    flash("Đã đăng xuất.", "info")
    return redirect(url_for("auth.login"))


@bp.get("/")
def home() -> Any:
    """Start page: officers go to their workspace, others see what the service offers."""
    user = current_user()
    return render_template("auth/home.html", user=user)


def init_app(app: Any) -> None:
    @app.context_processor
    def _inject_user() -> dict[str, Any]:
        return {"current_user": current_user}
