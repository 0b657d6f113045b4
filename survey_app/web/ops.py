"""Operational endpoints: health for load balancers and monitors."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify
from sqlalchemy import text

from ..db import get_session
from ..ratelimit import store_status
from .access import public

bp = Blueprint("ops", __name__)


@bp.get("/healthz")
@public
def health() -> tuple[Response, int]:
    """200 while votes can be stored; 503 only when the database is down or not migrated.

    ``{"status": "ok" | "degraded" | "error", "checks": {"database": "ok" | "unavailable",
    "redis": "ok" | "unavailable" | "not_configured"}, "schema": revision}``. A Redis that does
    not answer is "degraded", not down: rate limits are counted per process meanwhile.
    """
    redis = store_status()
    try:
        version = get_session().execute(text("SELECT version_num FROM alembic_version")).scalar()
    except Exception:  # any failure to reach the database is "unhealthy", not a 500
        return jsonify({"status": "error",
                        "checks": {"database": "unavailable", "redis": redis}}), 503
    status = "degraded" if redis == "unavailable" else "ok"
    return jsonify({"status": status, "checks": {"database": "ok", "redis": redis},
                    "schema": version}), 200


@bp.get("/ping")
@public
def ping() -> Response:
    """A trivial endpoint, no database: the baseline for benchmarks."""
    return jsonify({"pong": True})
