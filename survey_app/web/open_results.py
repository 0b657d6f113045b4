"""Public results (issue 18): ``/cong-khai/`` for citizens and the press, the open-data files,
the embeddable widget and the waiting-room screen.

Everything here reads published snapshots only (services/publication.py), except the screen's
clearly labelled "số liệu tạm thời" for today and this month. No route touches the session or
renders a CSRF token, so no cookie is set and shared caches may keep the pages: each answer has
an ETag (from the publication state, checked before anything is rendered) and
``Cache-Control: public``. Rendered bodies are also kept in a small in-process cache keyed by
that ETag, so a burst of readers costs one cheap query each.

Vietnamese by default, English with ``?lang=en`` only (web/open_text.py): neither a cookie nor
Accept-Language changes a public page, so its language is part of its URL, of its ETag and of
the memo's key, and shared caches need no ``Vary``. Links between public pages keep ``lang``
(``open_url``) and every page links to itself in the other language (``switch_language_url``).
"""

from __future__ import annotations

import hashlib
import json
import time
from collections import OrderedDict, defaultdict
from collections.abc import Callable
from datetime import datetime, timezone
from typing import Any
from zoneinfo import ZoneInfo

from flask import Blueprint, Response, abort, current_app, render_template, request, url_for
from flask.typing import ResponseReturnValue

from reports.open_charts import Point, bar_chart, trend_chart

from ..db import get_session
from ..domain import rounding
from ..domain.periods import Period, local_date, month, quarter
from ..domain.shares import Tally, satisfaction_rate, wilson_interval
from ..i18n import asked_language
from ..models import IndexPublication, IndexScheme, Unit
from ..services import publication
from ..services.errors import Invalid
from ..services.figures import unit_figures
from ..services.snapshots import snapshot_tally
from ..services.units import unit_by_code
from .access import public
from .downloads import content_disposition
from .open_text import TEXT, months_in, period_label

bp = Blueprint("open_results", __name__, url_prefix="/cong-khai")

#: Seconds a shared cache may keep a page before asking again (with its ETag).
MAX_AGE = 60
#: The waiting-room screen reloads itself this often (seconds).
SCREEN_REFRESH = 60
#: Rendered bodies kept per process (key: ETag).
CACHE_SIZE = 256
#: The frame-ancestors of the one framable route.
EMBED_CSP = ("default-src 'none'; style-src 'self'; img-src 'self'; base-uri 'none'; "
             "form-action 'none'; frame-ancestors *")

_bodies: OrderedDict[str, tuple[bytes, str]] = OrderedDict()
#: This process's last look at the publication state: (monotonic time it expires, version).
_state: list[tuple[float, str]] = []


def _state_version() -> str:
    """The publication state, from the database at most every ``PUBLIC_STATE_SECONDS``: a burst
    of public readers then costs no query at all."""
    now = time.monotonic()
    if _state and _state[0][0] > now:
        return _state[0][1]
    version = publication.state_version(get_session())
    _state[:] = [(now + float(current_app.config["PUBLIC_STATE_SECONDS"]), version)]
    return version


def _cached(render: Callable[[], tuple[bytes, str]], *, salt: str = "") -> Response:
    """Answer with the cached body for the current publication state, or render it once."""
    version = _state_version()
    key = f"{version}|{asked_language()}|{salt}|{request.full_path}"
    etag = hashlib.sha256(key.encode()).hexdigest()[:32]
    if etag in request.if_none_match:
        response = Response(status=304)
    else:
        found = _bodies.get(etag)
        if found is None:
            found = render()
            _bodies[etag] = found
            while len(_bodies) > CACHE_SIZE:
                _bodies.popitem(last=False)
        else:
            _bodies.move_to_end(etag)
        response = Response(found[0], mimetype=found[1])
    response.set_etag(etag)
    response.headers["Cache-Control"] = f"public, max-age={MAX_AGE}"
    return response


def _html(template: str, **context: object) -> Callable[[], tuple[bytes, str]]:
    """Render a public page in the reader's language (``lang`` and its words ``t``)."""
    lang = asked_language()
    return lambda: (render_template(template, lang=lang, t=TEXT[lang], **context).encode(),
                    "text/html")


def _t() -> dict[str, str]:
    return TEXT[asked_language()]


@bp.app_template_global("open_url")
def open_url(endpoint: str, **values: object) -> str:
    """``url_for`` that keeps the reader's language (no ``lang`` for Vietnamese)."""
    lang = asked_language()
    return url_for(endpoint, **values, **({"lang": lang} if lang != "vi" else {}))


@bp.app_template_global("switch_language_url")
def switch_language_url() -> str:
    """This page in the other language, its other parameters kept."""
    args = {k: v for k, v in request.args.items() if k != "lang"}
    if asked_language() == "vi":
        args["lang"] = "en"
    return url_for(request.endpoint or "open_results.index", **(request.view_args or {}),
                   **args)


def _point(lbl: str, tally: Tally, min_n: int) -> Point:
    interval = wilson_interval(tally.very_satisfied + tally.satisfied, tally.total)
    return Point(lbl, rounding.percent(satisfaction_rate(tally)),
                 rounding.percent(interval[0]) if interval else None,
                 rounding.percent(interval[1]) if interval else None, tally.total >= min_n)


bp.add_app_template_global(period_label)


def _min_n() -> int:
    return int(current_app.config["MIN_N"])


def _unit(code: str) -> Unit:
    if len(code) > 40:
        abort(404)
    unit = unit_by_code(get_session(), code)
    if unit is None:
        abort(404)
    return unit


# --- the province's tree ---------------------------------------------------------------------

@bp.get("/")
@public
def index() -> ResponseReturnValue:
    """Published periods: a selector, the unit tree with rate, n and interval, a bar chart per
    block of sibling units, and the withdrawals with their reasons."""
    return _cached(_render_index)


def _render_index() -> tuple[bytes, str]:
    session = get_session()
    items = publication.published(session)
    chosen = None
    wanted = request.args.get("ky", "")
    if wanted:
        chosen = next((i for i in items if str(i.snapshot.id) == wanted), None)
        if chosen is None:
            t = _t()
            return _html("open/message.html", title=t["no_such_period"],
                         text=t["no_such_period_text"])()
    elif items:
        chosen = items[0]
    snap = publication.public_snapshot(session, chosen, _min_n()) if chosen else None
    blocks: dict[str | None, list[publication.PublicFigure]] = defaultdict(list)
    charts = []
    if snap:
        for f in snap.figures[1:]:
            blocks[f.parent].append(f)
        names = {f.code: f.name for f in snap.figures}
        for parent, members in blocks.items():
            if len(members) > 1 and parent is not None:
                name = names.get(parent, parent)
                charts.append((name, bar_chart(
                    _t()["bar_title"].format(name=name),
                    [_point(m.name, m.tally, _min_n()) for m in members],
                    lang=asked_language())))
    return _html("open/index.html", items=items, chosen=chosen, snap=snap, blocks=blocks,
                 charts=charts, withdrawn=publication.withdrawn(session))()


# --- one unit ---------------------------------------------------------------------------------

def _ancestors(unit: Unit) -> set[int]:
    """The ids of the unit and its ancestors."""
    session = get_session()
    ancestors, current = set(), unit
    for _ in range(64):
        ancestors.add(current.id)
        if current.parent_id is None:
            break
        current = session.get(Unit, current.parent_id)  # type: ignore[assignment]
        if current is None:
            break
    return ancestors


def _covering(unit: Unit) -> list[publication.Published]:
    """Published snapshots whose subtree holds ``unit``, oldest period first."""
    ancestors = _ancestors(unit)
    found = [i for i in publication.published(get_session()) if i.root.id in ancestors]
    return sorted(found, key=lambda i: (i.snapshot.period_from, i.snapshot.period_to))


def _rankings(unit: Unit, *, withdrawn: bool = False) -> list[tuple[
        IndexScheme, IndexPublication, dict[str, Any]]]:
    """The published (or withdrawn) rankings of the unit's blocks: scheme, publication, block."""
    found = []
    for pub, scheme in publication.index_publications(get_session(), withdrawn=withdrawn):
        for block in pub.document.get("blocks", []):
            if any(u.get("unit") == unit.code for u in block.get("units", [])):
                found.append((scheme, pub, block))
    return found


@bp.get("/<unit_code>")
@public
def unit_page(unit_code: str) -> ResponseReturnValue:
    unit = _unit(unit_code)
    return _cached(lambda: _render_unit(unit))


def _render_unit(unit: Unit) -> tuple[bytes, str]:
    session = get_session()
    min_n = _min_n()
    covering = _covering(unit)
    lang = asked_language()
    rows = []
    for item in covering:
        tally, _flagged = snapshot_tally(session, item.snapshot, unit.id)  # flagged not shown
        rows.append((item, tally, _point(period_label(
            item.snapshot.period_from, item.snapshot.period_to, lang), tally, min_n)))
    kinds = defaultdict(list)
    for item, _tally, point in rows:
        kinds[months_in(item.snapshot.period_from, item.snapshot.period_to)].append(point)
    trends = [(k, trend_chart(TEXT[lang]["trend_title"].format(name=unit.name), points,
                              lang=lang))
              for k, points in sorted(kinds.items())]
    latest = rows[-1] if rows else None
    children = []
    counters: list[publication.PublicCounter] = []
    if latest:
        counters = publication.public_counters(session, latest[0].snapshot, unit, min_n)
        for child in sorted(unit.children, key=lambda c: c.code):
            tally, _flagged = snapshot_tally(session, latest[0].snapshot, child.id)
            children.append((child, tally, _point(child.name, tally, min_n)))
    return _html("open/unit.html", unit=unit, rows=list(reversed(rows)), trends=trends,
                 latest=latest, children=children, counters=counters, ranking=_rankings(unit),
                 withdrawn_rankings=_rankings(unit, withdrawn=True),
                 withdrawn=[w for w in publication.withdrawn(session)
                            if w.root.id in _ancestors(unit)],
                 min_n=min_n)()


# --- how to check, open data -----------------------------------------------------------------

@bp.get("/kiem-chung")
@public
def verify_page() -> ResponseReturnValue:
    """Kiểm chứng số liệu: how anyone recomputes the hash from the open-data file."""
    return _cached(_html("open/verify.html", year=datetime.now(timezone.utc).year))


@bp.get("/du-lieu/<year>.<fmt>")
@public
def data_file(year: str, fmt: str) -> ResponseReturnValue:
    """Every published figure of periods starting in ``year``: JSON (with the cells that
    verify the hashes) or CSV (one row per unit and period, UTF-8 with BOM for Excel)."""
    if fmt not in ("json", "csv"):
        abort(404)
    try:
        y = publication.check_year(year)
    except Invalid:
        abort(404)

    def render() -> tuple[bytes, str]:
        data = publication.open_data(get_session(), y, _min_n())
        if fmt == "json":
            return (json.dumps(data, ensure_ascii=False, indent=1).encode() + b"\n",
                    "application/json")
        from reports.open_data import figures_csv

        return figures_csv(data), "text/csv"

    response = _cached(render)
    response.headers["Content-Disposition"] = content_disposition(f"hai-long-{y}.{fmt}")
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


# --- the widget and the screen ---------------------------------------------------------------

@bp.get("/<unit_code>/nhung")
@public
def embed(unit_code: str) -> ResponseReturnValue:
    """The widget a unit puts on its own website in an iframe: the last published rate, n and
    period, and a link to vote. The only framable route."""
    unit = _unit(unit_code)

    def render() -> tuple[bytes, str]:
        covering = _covering(unit)
        last = covering[-1] if covering else None
        figure = None
        if last:
            tally, _flagged = snapshot_tally(get_session(), last.snapshot, unit.id)
            figure = _point("", tally, _min_n()), tally
        return _html("open/embed.html", unit=unit, last=last, figure=figure)()

    response = _cached(render)
    response.headers["Content-Security-Policy"] = EMBED_CSP
    return response


@bp.get("/<unit_code>/man-hinh")
@public
def screen(unit_code: str) -> ResponseReturnValue:
    """The waiting-room TV: today's and this month's valid votes (provisional), the last
    published quarter, large type, reloading itself."""
    unit = _unit(unit_code)
    tz = ZoneInfo(current_app.config["TIMEZONE"])
    now = datetime.now(timezone.utc)
    today = local_date(now, tz)
    minute = now.strftime("%Y%m%d%H%M")

    def render() -> tuple[bytes, str]:
        session = get_session()
        min_n = _min_n()
        live = []
        this_month = month(today.year, today.month)
        for title, period in ((_t()["today"], Period(today, today)),
                              (period_label(this_month.start, this_month.end, asked_language()),
                               this_month)):
            tally = unit_figures(session, unit, period, min_n=min_n, subtree=True).tally
            live.append((title, tally, _point(title, tally, min_n)))
        quarters = [i for i in _covering(unit) if months_in(i.snapshot.period_from,
                                                            i.snapshot.period_to) == 3
                    and Period(i.snapshot.period_from, i.snapshot.period_to) == quarter(
                        i.snapshot.period_from.year, (i.snapshot.period_from.month + 2) // 3)]
        last = None
        if quarters:
            q = quarters[-1]
            tally, _flagged = snapshot_tally(session, q.snapshot, unit.id)
            last = (q, tally, _point("", tally, min_n))
        return _html("open/screen.html", unit=unit, live=live, last=last,
                     refresh=SCREEN_REFRESH, updated=now)()

    response = _cached(render, salt=minute)  # live counts: a new body each minute at most
    response.headers["Cache-Control"] = "public, max-age=30"
    return response
