"""Today's Đà Nẵng as the demo and the docs show it: the sample communes, their legacy wards and
the provincial units are those of the official tables, and the documented 2026 scheme of the
merged city loads with the commands its header gives."""

from __future__ import annotations

import csv
from pathlib import Path

from survey_app.services import demo_units
from survey_app.services.official_units import official_units

EXAMPLES = Path(__file__).resolve().parents[2] / "docs" / "examples"


def test_sample_communes_and_their_wards_are_the_official_ones():
    official = {u.code: u for u in official_units("48", legacy=True)}
    assert official["48"].name == demo_units.CITY[1]
    for commune in demo_units.COMMUNES:
        assert official[commune.code].name == commune.name
        wards = sorted((u.code, u.name, u.parent) for u in official.values()
                       if u.successor == commune.code)
        assert wards == sorted(commune.predecessors), commune.code
    for code, name in demo_units.LEGACY_DISTRICTS:
        assert official[code].name == name


def test_the_example_units_file_has_the_demo_rows():
    with (EXAMPLES / "units-danang-2026.csv").open(encoding="utf-8", newline="") as f:
        rows = [tuple(r) for r in csv.reader(f)][1:]
    assert rows == [r[:4] for r in demo_units.PROVINCIAL_UNITS]


def test_the_documented_2026_scheme_of_the_merged_city_loads(runner):
    for args in (["units", "import-official", "--province", "48", "--legacy"],
                 ["units", "import", str(EXAMPLES / "units-danang-2026.csv")]):
        r = runner.invoke(args=args)
        assert r.exit_code == 0, r.output
    r = runner.invoke(args=["index", "load", str(EXAMPLES / "scheme-danang-2026.yaml")])
    assert r.exit_code == 0, r.output
    # 9 departments + 94 communes + 3 central agencies + the centre and 2 branches
    assert "Loaded PAR-DN 2026 (4 block(s), 109 unit(s), 7 scored component(s))." in r.output
    score = runner.invoke(args=["index", "score", "PAR-DN", "--year", "2026"])
    assert score.exit_code == 0, score.output
    assert '"name": "Xã, phường, đặc khu"' in score.output
    assert "Quận" not in score.output  # no district is left in a 2026 scheme
