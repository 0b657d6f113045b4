"""Hypothesis over the HTML forms, as Schemathesis does for the JSON API (test_schemathesis.py):
every field gets arbitrary text — lone surrogates sent as their percent-encoded UTF-8 bytes,
NUL, huge numbers, digits of other scripts, dates at the ends of the calendar — and no answer
is a 5xx; HTML routes answer HTML (a redirect, a page with form errors, or an error page).

Bounded: ``MAX_EXAMPLES`` per form, derandomized, no example database."""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable
from datetime import date, timedelta
from urllib.parse import quote

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from survey_app.models import Ballot, Questionnaire
from tests.factories import csrf_token, login, vote
from tests.index_world import EXAMPLES, PASSWORD, build_index_world

MAX_EXAMPLES = 40
EDGE = [
    "", " ", "0", "1", "-1", "1.5", "9,5", "1e999", "-1E+999", "1e20", "NaN", "Infinity",
    "99999999999999999999", "9" * 5000, "²", "٣", "１２", "¹⁵", "\x00", "a\x00b", "\ud800",
    "x\udfffy", "\ud83d", "%", "%ED%A0%80", "\r\n", "Đà Nẵng – Quầy số 1", "<script>", "'\"",
    "0001-01-01", "9999-12-31", "2026-02-30", "2026-01-01", "2100-12-31", "x" * 3000,
    "/officer/\r\nLocation: //evil", "//evil.example/", "/officer/flagged?page=1e20",
]
#: Arbitrary text without NUL: Hypothesis favours it, and the app refuses it at the door (400)
#: before any form sees it. EDGE still sends it now and then.
_TEXT = st.text(st.characters(exclude_characters="\x00"), max_size=40)
_addresses = itertools.count(1)


def texts(*likely: str) -> st.SearchStrategy[str]:
    """Edge values, arbitrary text, arbitrary text around an edge value, any integer; and the
    ``likely`` values (a real unit code, a scale option) as often as all of those together."""
    drawn = st.one_of(
        st.sampled_from(EDGE),
        _TEXT,
        st.tuples(_TEXT, st.sampled_from(EDGE), _TEXT).map("".join),
        st.integers().map(str),
    )
    return st.one_of(st.sampled_from(likely), drawn) if likely else drawn


def fields(names: dict[str, tuple[str, ...]], token: str | None = None
           ) -> st.SearchStrategy[dict[str, str]]:
    """A form: some of ``names`` (each with its likely values) drawn; the CSRF ``token`` right
    in most examples, else drawn too."""
    fixed = {} if token is None else {"csrf_token": st.sampled_from([token] * 7 + [""]).flatmap(
        lambda t: st.just(t) if t else texts())}
    return st.fixed_dictionaries(fixed, optional={n: texts(*likely)
                                                  for n, likely in names.items()})


def encode(values: dict[str, str]) -> str:
    """``application/x-www-form-urlencoded``; a lone surrogate becomes its UTF-8 bytes
    (``%ED%A0%80``), as a broken client would send it."""
    return "&".join(f"{quote(k.encode('utf-8', 'surrogatepass'), safe='')}="
                    f"{quote(v.encode('utf-8', 'surrogatepass'), safe='')}"
                    for k, v in values.items())


def check(response, what) -> None:  # type: ignore[no-untyped-def]
    assert response.status_code < 500, (what, response.status_code,
                                        response.get_data(as_text=True)[:300])
    assert response.mimetype == "text/html", (what, response.status_code, response.mimetype)


def explore(strategy: st.SearchStrategy, send: Callable[[dict[str, str]], None]) -> None:
    @settings(max_examples=MAX_EXAMPLES, deadline=None, database=None, derandomize=True,
              suppress_health_check=list(HealthCheck))
    @given(values=strategy)
    def run(values: dict[str, str]) -> None:
        send(dict(values))

    run()


def post(client, path: str, values: dict[str, str]):  # type: ignore[no-untyped-def]
    """POST from a new network address each time, so sign-in throttling does not hide the
    form's own handling."""
    n = next(_addresses)
    return client.post(path, data=encode(values),
                       content_type="application/x-www-form-urlencoded",
                       environ_base={"REMOTE_ADDR": f"10.{n // 65536 % 256}.{n // 256 % 256}."
                                                    f"{n % 256}"})


def _with(strategy: st.SearchStrategy, key: str, choices: list[str]) -> st.SearchStrategy:
    """``strategy``'s dictionaries with ``key`` (a part of the path) drawn from ``choices``."""
    return st.tuples(strategy, st.sampled_from(choices)).map(lambda t: {**t[0], key: t[1]})


def test_login_form(client, world):
    token = csrf_token(client)
    explore(fields({"username": ("officer.hc", "admin"),
                    "password": ("correct horse battery",), "next": ("/officer/",)}, token),
            lambda v: check(post(client, "/login", v), v))


def test_public_web_ballot(client, world):
    token = csrf_token(client, "/w/HC")
    levels = ("very_satisfied", "satisfied", "not_satisfied")
    form = fields({"a.overall": levels, "a.reasons": ("fees", "other"),
                   "a.comment": ("Chờ lâu",),
                   "client_id": ("6f1c2c1e-8d8a-4b7e-9a51-0c4b1f0d2a11",),
                   "website": ("",), "lang": ("en", "vi")}, token)

    def send(values: dict[str, str]) -> None:
        path = "/w/" + quote(values.pop("_unit").encode("utf-8", "surrogatepass"), safe="")
        check(post(client, path, values), (path, values))

    explore(_with(form, "_unit", ["HC", "HC", "HC", "DN", "KHONG-CO", "HC\ud800", "\x00",
                                  "Đà-Nẵng"]), send)


def test_paper_batch_create_and_entry_forms(client, world, session):
    login(client, "clerk.hc")
    token = csrf_token(client, "/paper/")
    qid = str(session.scalar(select(Questionnaire.id).where(Questionnaire.code == "KIOSK-3L")))
    unit = str(world.units["HC"].id)
    good = {"csrf_token": token, "unit": unit, "from": "2026-09-01", "to": "2026-10-31",
            "questionnaire": qid, "issued": "20", "returned": "10"}
    r = post(client, "/paper/", good)
    assert r.status_code == 302
    batch = r.headers["Location"].rsplit("/", 1)[-1]

    explore(fields({"unit": (unit,), "from": ("2026-09-01",), "to": ("2026-10-31",),
                    "questionnaire": (qid,), "issued": ("20",), "returned": ("10",),
                    "label": ("Quý IV",)}, token),
            lambda v: check(post(client, "/paper/", v), v))
    explore(fields({"serial": ("1", "2", "20"), "k.overall": ("1", "2", "3"),
                    "k.reasons": ("1", "12"), "k.comment": ("Chờ lâu",)}, token),
            lambda v: check(post(client, f"/paper/{batch}/entry", v), v))
    explore(fields({"issued": ("20", "30"), "returned": ("10", "15"), "label": ("Quý IV",)},
                   token),
            lambda v: check(post(client, f"/paper/{batch}/edit", v), v))
    explore(fields({"last": ("1", "20")}), lambda v: check(
        client.get(f"/paper/{batch}/entry", query_string=encode(v)), v))


def test_officer_flagged_review(client, world, session):
    for _ in range(3):  # answered long ago: stored flagged (clock_too_old)
        r = client.post("/api/v1/votes", json=vote(at="2020-01-01T08:00:00+07:00"),
                        headers=world.auth(world.device_token))
        assert r.status_code == 201 and r.json["status"] == "flagged"
    session.rollback()
    ids = [str(i) for i in session.scalars(select(Ballot.id))]
    login(client, "officer.hc")
    token = csrf_token(client, "/officer/flagged")
    form = fields({"action": ("reinstate", "void"), "note": ("Đã kiểm tra",),
                   "back": ("/officer/flagged?page=2",)}, token)

    def send(values: dict[str, str]) -> None:
        path = f"/officer/flagged/{values.pop('_id')}"
        check(post(client, path, values), (path, values))

    explore(_with(form, "_id", [*ids, *ids, "999999", "2147483648", "99999999999999999999",
                                "0"]), send)


def custom_ranges() -> st.SearchStrategy[dict[str, str]]:
    """A custom period anywhere in the calendar, often at its ends (years 1 and 9999) or at
    the app's (2000, 2100), up to 100 days long."""
    years = st.one_of(st.sampled_from([1, 2, 1999, 2000, 2100, 2101, 9998, 9999]),
                      st.integers(1, 9999))

    def period(year: int, offset: int, length: int) -> dict[str, str]:
        start = min(date(year, 1, 1) + timedelta(days=offset), date.max)
        end = start + timedelta(days=min(length, (date.max - start).days))
        return {"kind": "custom", "from": start.isoformat(), "to": end.isoformat()}

    return st.builds(period, years, st.integers(0, 364), st.integers(0, 100))


def test_officer_dashboard_query(client, world):
    login(client, "officer.hc")
    query = fields({"unit": ("HC", "HC-TT", "DN"),
                    "kind": ("month", "quarter", "half", "year", "custom"),
                    "year": ("2026", "2000", "2100"), "part": ("1", "2", "4", "12"),
                    "from": ("2026-01-01", "2000-01-01", "0001-01-01", "9999-12-01"),
                    "to": ("2026-03-31", "2100-12-31", "0001-01-31", "9999-12-31"),
                    "page": ("1", "2"), "lang": ("en",)})

    def send(values: dict[str, str]) -> None:
        text = encode(values)
        for path in ("/officer/dashboard", "/officer/flagged"):
            check(client.get(path, query_string=text), (path, values))
        r = client.get("/officer/dashboard/export.csv", query_string=text)
        assert r.status_code < 500, (values, r.get_data(as_text=True)[:300])

    explore(st.one_of(query, st.tuples(query, custom_ranges()).map(lambda t: {**t[0], **t[1]})),
            send)


def test_index_scoring_form(app, client, session):
    build_index_world(session)
    result = app.test_cli_runner().invoke(args=["index", "load",
                                                str(EXAMPLES / "scheme-demo.yaml")])
    assert result.exit_code == 0, result.output
    login(client, "quantri", PASSWORD)
    html = client.get("/index/DEMO-QH/2024/scores?unit=ST").get_data(as_text=True)
    token = re.search(r'csrf_token" type="hidden" value="([^"]+)"', html).group(1)
    url = "/index/DEMO-QH/2024/scores/ST"
    score = fields({"component": ("chi_dao",), "self_score": ("13", "9,5"),
                    "appraised_score": ("12", "15"), "note": ("Biên bản",)}, token)

    def send_score(values: dict[str, str]) -> None:
        comp = values.pop("_component")
        form = {"component": comp, **{f"{comp}-{k}": v for k, v in values.items()}}
        check(post(client, url, form), form)

    explore(_with(score, "_component", ["chi_dao", "chi_dao", "cong_khai", "hai_long", "tthc",
                                        "khong_co", ""]), send_score)
    explore(fields({"points": ("2", "-1,5"), "note": ("Chậm gửi báo cáo",)}, token),
            lambda v: check(post(client, url + "/bonus", v), v))
