"""GET /api/v1/comments: citizens' comments of a unit (or its subtree), newest first, a page
at a time, for officers within the same scope as the figures."""

from __future__ import annotations

from flask import Response, jsonify

from ...db import get_session
from ...services.comments import CommentFilter, Cursor, comments_page
from .access import authenticated
from .blueprint import bp
from .figures import unit_period_query
from .requests import CommentsQuery


@bp.get("/comments")
@authenticated
def comments_list() -> Response:
    """One page of comments; ``next`` is the cursor of the following page or null."""
    query, unit, period = unit_period_query(CommentsQuery)
    after = Cursor.decode(query.cursor) if query.cursor else None
    f = CommentFilter(unit_id=unit.id, start=period.start, end=period.end,
                      subtree=query.subtree == "1", level=query.level, channel=query.channel,
                      include_void=query.include_void == "1")
    page, following = comments_page(get_session(), f, after=after, limit=query.limit)
    return jsonify({"comments": [c.as_json() for c in page],
                    "next": following.encode() if following else None})
