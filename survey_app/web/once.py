"""One effect per form: officers' and clerks' forms carry a ``once`` value, claimed per request.

A double click, the browser's "resend form" or a retry sends the same form twice. Each
state-changing form renders ``{{ once_field() }}``, a random value. Before the view runs, the
request inserts that value into ``form_submission`` with ``ON CONFLICT DO NOTHING``: the first
request claims it; an identical request (waiting on PostgreSQL for the first one's transaction)
finds it taken and is sent where the first one went, with "already done". A request that fails
(4xx/5xx) rolls its claim back with everything else, so the form can be sent again.

The services' own guards (conditional updates, row locks, see ``services/state.py``) still hold
for the JSON API and for forms posted without the value.
"""

from __future__ import annotations

import re
import secrets
from datetime import datetime, timezone
from typing import Any
from urllib.parse import urlsplit

from flask import Flask, Response, abort, flash, g, redirect, request
from markupsafe import Markup
from sqlalchemy import select, update

from ..db import get_session, insert_for
from ..models import FormSubmission

FIELD = "once"
_VALID = re.compile(r"[A-Za-z0-9_-]{16,64}")
_FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def once_field() -> Markup:
    """The hidden input every state-changing form includes."""
    return Markup(f'<input type="hidden" name="{FIELD}" value="{secrets.token_urlsafe(16)}">')


def _same_site(target: str | None) -> str | None:
    if target:
        parts = urlsplit(target)
        if parts.netloc in ("", request.host) and parts.path.startswith("/"):
            return parts.path + (f"?{parts.query}" if parts.query else "")
    return None


def init_app(app: Flask) -> None:
    app.add_template_global(once_field)

    @app.before_request
    def _claim() -> Any:
        if request.method != "POST" or request.mimetype not in _FORM_TYPES \
                or request.path.startswith("/api/"):
            return None
        value = request.form.get(FIELD)
        if value is None:
            return None
        if not _VALID.fullmatch(value):
            abort(400)
        session = get_session()
        claimed = session.execute(
            insert_for(session, FormSubmission.__table__)
            .values(once=value, at=datetime.now(timezone.utc))
            .on_conflict_do_nothing(index_elements=["once"])
            .returning(FormSubmission.once)).first()  # rowcount is -1 here on psycopg
        if claimed is not None:
            g.once = value
            return None
        outcome = session.scalar(select(FormSubmission.outcome)
                                 .where(FormSubmission.once == value))
        flash("Yêu cầu này đã được thực hiện (biểu mẫu được gửi hai lần); "
              "không có thay đổi nào thêm.", "info")
        return redirect(outcome or _same_site(request.referrer) or "/", 303)

    @app.after_request
    def _remember(response: Response) -> Response:
        value = g.pop("once", None)
        if value is not None and response.status_code < 400 and response.location:
            get_session().execute(update(FormSubmission).where(FormSubmission.once == value)
                                  .values(outcome=_same_site(response.location)))
        return response
