"""GET /api/v1/units: the unit tree."""

from __future__ import annotations

from flask import Response, jsonify
from sqlalchemy import select

from ...db import get_session
from ...domain.vocab import UNIT_KIND_TERMS, label
from ...i18n import current_language
from ...models import Unit
from ..access import public
from .blueprint import bp


@bp.get("/units")
@public
def units_index() -> Response:
    """The unit tree (public: names and codes of administrative units are not secret)."""
    lang = current_language()
    rows = get_session().execute(
        select(Unit.id, Unit.code, Unit.name, Unit.kind, Unit.parent_id, Unit.stats_code)
        .order_by(Unit.code)
    ).all()
    nodes = {
        r.id: {"code": r.code, "name": r.name, "kind": r.kind,
               "kind_label": label(UNIT_KIND_TERMS, r.kind, lang), "stats_code": r.stats_code,
               "children": []}
        for r in rows
    }
    roots = []
    for r in rows:
        (nodes[r.parent_id]["children"] if r.parent_id in nodes else roots).append(nodes[r.id])
    return jsonify({"units": roots})
