"""The officer pages' rough edges (issue 15 §3): the period form shows only the fields of its
kind, a year has one comparison row, numbers are written the Vietnamese way, unit pickers show
the tree with the user's own subtree first and default to the user's unit."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

from tests.factories import login, vote

NBSP = "\u00a0"


class _Form(HTMLParser):
    """The period form's fields: name → (hidden, disabled), and the label of #part."""

    def __init__(self) -> None:
        super().__init__()
        self.fields: dict[str, tuple[bool, bool]] = {}
        self.part_label = ""
        self._hidden: list[bool] = []
        self._label_for: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "div":
            self._hidden.append("hidden" in a)
        if tag == "input" and a.get("name") in ("year", "part", "from", "to"):
            self.fields[a["name"]] = (any(self._hidden), "disabled" in a)
        if tag == "label":
            self._label_for = a.get("for")

    def handle_endtag(self, tag):
        if tag == "div" and self._hidden:
            self._hidden.pop()
        if tag == "label":
            self._label_for = None

    def handle_data(self, data):
        if self._label_for == "part":
            self.part_label += data


def _form(html: str) -> _Form:
    start = html.index('<form method="get" class="grid-form period-form"')
    parser = _Form()
    parser.feed(html[start:html.index("</form>", start) + 7])
    return parser


@pytest.mark.parametrize(("query", "shown", "part_label"), [
    ("kind=year&year=2026&part=3", {"year"}, None),
    ("kind=quarter&year=2026&part=3", {"year", "part"}, "Quý"),
    ("kind=month&year=2026&part=11", {"year", "part"}, "Tháng"),
    ("kind=half&year=2026&part=2", {"year", "part"}, "Nửa năm"),
    ("kind=custom&from=2026-07-10&to=2026-09-11", {"from", "to"}, None),
])
def test_the_period_form_shows_and_sends_only_the_fields_of_its_kind(client, world, query,
                                                                     shown, part_label):
    login(client, "officer.hc")
    for path in ("/officer/dashboard", "/officer/flagged"):
        html = client.get(f"{path}?unit=HC&{query}").get_data(as_text=True)
        form = _form(html)
        visible = {name for name, (hidden, _disabled) in form.fields.items() if not hidden}
        assert visible == shown, (path, form.fields)
        # a hidden field is disabled too: the browser does not send it
        assert all(hidden == disabled for hidden, disabled in form.fields.values())
        if part_label:
            assert form.part_label == part_label
        assert "(tùy chọn)" not in html and "Tháng / quý / nửa năm số" not in html
        assert 'src="/static/period-form.js"' in html


def test_a_years_previous_period_is_one_comparison_row(client, world):
    login(client, "officer.hc")
    year = client.get("/officer/dashboard?unit=HC&kind=year&year=2026").get_data(as_text=True)
    start = year.index('class="compare"')
    table = year[start:year.index("</table>", start)]
    assert table.count('<th scope="row">') == 2
    assert "Kỳ trước (Năm 2025)" in table and "Cùng kỳ năm trước" not in table
    quarter = client.get("/officer/dashboard?unit=HC&kind=quarter&year=2026&part=3"
                         ).get_data(as_text=True)
    assert "Kỳ trước (Quý II/2026)" in quarter and "Cùng kỳ năm trước (Quý III/2025)" in quarter
    csv = client.get("/officer/dashboard/export.csv?unit=HC&kind=year&year=2026&bom=0")
    assert csv.get_data(as_text=True).count("Năm 2025") == 1


def test_numbers_on_the_page_are_vietnamese(client, world):
    for i in range(1003):  # n above a thousand, all in one hour of one day
        level = "not_satisfied" if i % 5 == 0 else "satisfied"
        body = vote(level, at="2026-07-06T09:15:00+07:00", unit="LC", channel="paper")
        r = client.post("/api/v1/votes", json=body, headers=world.auth(world.admin_token))
        assert r.status_code == 201
    login(client, "admin")
    html = client.get("/officer/dashboard?unit=LC&kind=quarter&year=2026&part=3"
                      ).get_data(as_text=True)
    assert re.search(r'data-testid="n">1\.003<', html)
    assert f'data-testid="rate">80,0{NBSP}%<' in html  # 802 of 1.003 = 79,96… → 80,0
    hours = html[html.index('class="hours"'):]
    assert ">1.003</td>" in hours and ">1003<" not in hours
    assert not re.search(r"\d,\d%", html)  # never a bare "84,4%": a no-break space first
    # the exports keep numbers as numbers
    csv = client.get("/officer/dashboard/export.csv?unit=LC&kind=quarter&year=2026&part=3&bom=0")
    assert ",1003," in csv.get_data(as_text=True)


def _options(html: str, select_id: str = "unit") -> list[tuple[str, str, bool]]:
    """(value, text with indentation, selected) of a select's options."""
    start = html.index(f'<select id="{select_id}"')
    block = html[start:html.index("</select>", start)]
    return [(value, text.replace("&nbsp;", NBSP), bool(sel))
            for value, sel, text in re.findall(
                r'<option value="([^"]*)"( selected)?>([^<]*)</option>', block)]


def test_unit_pickers_show_the_tree_and_default_to_the_users_unit(client, world):
    login(client, "officer.hc")
    html = client.get("/officer/dashboard").get_data(as_text=True)
    assert _options(html) == [("HC", "Quận Hải Châu", True),
                              ("HC-TT", f"{NBSP * 4}└{NBSP}Phường Thạch Thang", False)]
    client.post("/logout", data={"csrf_token": re.search(
        r'name="csrf_token" value="([^"]+)"', html).group(1)})
    login(client, "admin")
    html = client.get("/officer/dashboard").get_data(as_text=True)
    tree = [(value, len(text) - len(text.lstrip(NBSP)) // 4, selected)
            for value, text, selected in _options(html)]
    assert [v for v, _, _ in tree] == ["DN", "HC", "HC-TT", "LC", "LC-HM"]
    assert [t for v, t, _ in _options(html)][1] == f"{NBSP * 4}└{NBSP}Quận Hải Châu"
    assert [v for v, _, s in tree if s] == ["DN"]
    items = client.get("/items/").get_data(as_text=True)
    assert [v for v, _, s in _options(items) if s] == ["DN"]


def test_a_clerks_paper_batch_defaults_to_the_clerks_own_unit(client, world):
    login(client, "clerk.hc")
    html = client.get("/paper/").get_data(as_text=True)
    options = _options(html)
    # "Phường Thạch Thang" comes first by name; the clerk's own district comes first now
    assert [text.strip(NBSP + "└") for _, text, _ in options] == ["Quận Hải Châu",
                                                                 "Phường Thạch Thang"]
    assert [value for value, _, selected in options if selected] == \
        [str(world.units["HC"].id)]


def test_an_officers_question_results_default_to_the_officers_unit(client, world):
    login(client, "officer.hc")
    html = client.get("/items/").get_data(as_text=True)
    assert [v for v, _, s in _options(html) if s] == ["HC"]
