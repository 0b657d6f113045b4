"""Citizen-satisfaction votes at one-stop counters, turned into PAR-index figures."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build a configured app: defaults, then ``SURVEY_*`` variables, then ``config`` (tests)."""
    from . import cli, db, errors, logs, ratelimit
    from .config import load_config
    from .extensions import csrf
    from .web import api, auth, once, ops, paper, public, qr, security

    app = Flask(__name__, instance_relative_config=True)
    load_config(app, config)
    if app.config.get("TRUSTED_PROXIES"):
        # behind nginx: the client address comes from X-Forwarded-For, set by our own proxy
        from werkzeug.middleware.proxy_fix import ProxyFix

        n = int(app.config["TRUSTED_PROXIES"])
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n)  # type: ignore[method-assign]
    logs.init_app(app)
    app.json.sort_keys = False  # type: ignore[attr-defined]  # keep documented field order
    # Citizen pages must stay small on slow 3G: drop template indentation from the HTML.
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
    db.init_app(app)
    csrf.init_app(app)
    once.init_app(app)  # after CSRF: a forged form claims nothing
    errors.init_app(app)
    ratelimit.init_app(app)
    security.init_app(app)
    auth.init_app(app)
    app.register_blueprint(ops.bp)
    app.register_blueprint(auth.bp)
    app.register_blueprint(api.bp)
    app.register_blueprint(public.bp)
    app.register_blueprint(qr.bp)
    app.register_blueprint(paper.bp)
    from .web import items

    app.register_blueprint(items.bp)
    from .web import index as index_pages

    app.register_blueprint(index_pages.bp)
    from .web import kiosk, kiosk_devices

    app.register_blueprint(kiosk.bp)  # the tablet PWA at /kiosk/ and its pairing API
    app.register_blueprint(kiosk_devices.bp)
    from .web import officer, periods

    app.register_blueprint(officer.bp)
    app.register_blueprint(periods.bp)
    from .web import alerts, cases, comments, open_results, publishing

    app.register_blueprint(publishing.bp)
    app.register_blueprint(open_results.bp)  # /cong-khai/: no session, no CSRF cookie
    app.register_blueprint(comments.bp)
    app.register_blueprint(cases.bp)
    app.register_blueprint(alerts.bp)
    csrf.exempt(api.bp)  # bearer tokens, not cookies
    cli.init_app(app)
    return app
