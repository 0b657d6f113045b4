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
    """The unit tree (public: names and codes of administrative units are not secret), with
    each unit's validity and the unit it merged into, so old units stay readable."""
    lang = current_language()
    rows = get_session().execute(
        select(Unit.id, Unit.code, Unit.name, Unit.kind, Unit.parent_id, Unit.stats_code,
               Unit.valid_from, Unit.valid_to, Unit.successor_id)
        .order_by(Unit.code)
    ).all()
    code_of = {r.id: r.code for r in rows}
    nodes = {
        r.id: {"code": r.code, "name": r.name, "kind": r.kind,
               "kind_label": label(UNIT_KIND_TERMS, r.kind, lang), "stat_code": r.stats_code,
               "parent": code_of.get(r.parent_id),
               "valid_from": r.valid_from.isoformat() if r.valid_from else None,
               "valid_to": r.valid_to.isoformat() if r.valid_to else None,
               "successor": code_of.get(r.successor_id),
               "children": []}
        for r in rows
    }
    roots = []
    for r in rows:
        (nodes[r.parent_id]["children"] if r.parent_id in nodes else roots).append(nodes[r.id])
    return jsonify({"units": roots})
