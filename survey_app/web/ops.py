"""Operational endpoints: health for load balancers and monitors."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify
from sqlalchemy import text

from ..db import get_session

bp = Blueprint("ops", __name__)


@bp.get("/healthz")
def health() -> tuple[Response, int]:
    """200 when the database answers a query and is migrated; 503 otherwise."""
    try:
        version = get_session().execute(text("SELECT version_num FROM alembic_version")).scalar()
    except Exception:  # any failure to reach the database is "unhealthy", not a 500
        return jsonify({"status": "error", "database": "unreachable"}), 503
    return jsonify({"status": "ok", "database": "ok", "schema": version}), 200


@bp.get("/ping")
def ping() -> Response:
    """A trivial endpoint, no database: the baseline for benchmarks."""
    return jsonify({"pong": True})
