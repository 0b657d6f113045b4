"""The API blueprint and its one handler for service errors; route modules register on it.

It lives apart from the package's ``__init__`` so that the route modules import it without
importing the package that imports them (no import cycle)."""

from __future__ import annotations

from flask import Blueprint, Response

from ...services.errors import ServiceError
from .problems import service_error

bp = Blueprint("api", __name__, url_prefix="/api/v1")


@bp.errorhandler(ServiceError)
def _service_error(exc: ServiceError) -> Response:
    return service_error(exc)
