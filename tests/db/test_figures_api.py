"""GET /api/v1/figures: numbers, period boundaries, roll-up, scope and validation."""

from __future__ import annotations

import pytest

from tests.factories import vote

MONTH = {"from": "2026-11-01", "to": "2026-11-30"}


def _cast(client, world, unit: str, levels: dict[str, int], at: str = "2026-11-15T10:00:00+07:00",
          channel: str = "paper") -> None:
    for level, count in levels.items():
        for _ in range(count):
            r = client.post("/api/v1/votes", json=vote(level, at=at, unit=unit, channel=channel),
                            headers=world.auth(world.admin_token))
            assert r.status_code == 201, r.json


def _figures(client, world, token=None, **params):
    query = {**MONTH, **params}
    return client.get("/api/v1/figures", query_string=query,
                      headers=world.auth(token or world.admin_token))


@pytest.fixture(autouse=True)
def _fixed_clock(monkeypatch):
    """Votes in these tests are answered in November 2026; receipt is 'now' in early December,
    so a late-November answer time is plausible (not flagged)."""
    from datetime import datetime, timezone

    import survey_app.web.api.votes as api

    class Clock(datetime):
        @classmethod
        def now(cls, tz=None):  # noqa: ANN206
            return datetime(2026, 12, 2, 3, 0, tzinfo=timezone.utc)

    monkeypatch.setattr(api, "datetime", Clock)


def test_figures_match_hand_computed_shares(client, world):
    # 1 very, 14 satisfied, 1 not: 16 votes. very 6.25 -> 6.3 (half-up), not 6.25 -> 6.3,
    # satisfied 87.5, rate 15/16 = 93.75 -> 93.8. Wilson(15, 16) = 71.7 … 98.9.
    _cast(client, world, "HC", {"very_satisfied": 1, "satisfied": 14, "not_satisfied": 1})
    r = _figures(client, world, unit="HC")
    assert r.status_code == 200
    f = r.json
    assert f["n"] == 16
    assert f["counts"] == {"very_satisfied": 1, "satisfied": 14, "not_satisfied": 1}
    assert f["shares"] == {"very_satisfied": 6.3, "satisfied": 87.5, "not_satisfied": 6.3}
    assert f["satisfaction_rate"] == 93.8
    assert f["interval95"] == {"low": 71.7, "high": 98.9}
    assert f["rule"] == "share3-v1"
    assert f["sufficient"] is False  # 16 < 30
    assert f["flagged"] == 0


def test_no_votes_gives_nulls(client, world):
    f = _figures(client, world, unit="LC").json
    assert f["n"] == 0
    assert f["shares"] == {"very_satisfied": None, "satisfied": None, "not_satisfied": None}
    assert f["satisfaction_rate"] is None and f["interval95"] is None
    assert f["sufficient"] is False


def test_month_boundaries_are_local_dates(client, world):
    # 23:30 local on 30 November belongs to November …
    _cast(client, world, "HC", {"satisfied": 1}, at="2026-11-30T23:30:00+07:00")
    # … and 00:30 local on 1 December does not (it is still 30 November in UTC).
    _cast(client, world, "HC", {"not_satisfied": 1}, at="2026-11-30T17:30:00+00:00")
    nov = _figures(client, world, unit="HC").json
    dec = _figures(client, world, unit="HC", **{"from": "2026-12-01", "to": "2026-12-31"}).json
    assert nov["counts"] == {"very_satisfied": 0, "satisfied": 1, "not_satisfied": 0}
    assert dec["counts"] == {"very_satisfied": 0, "satisfied": 0, "not_satisfied": 1}


def test_subtree_rolls_up_counts_of_children(client, world):
    _cast(client, world, "HC", {"very_satisfied": 3, "not_satisfied": 1})
    _cast(client, world, "HC-TT", {"satisfied": 5})
    _cast(client, world, "LC", {"very_satisfied": 1, "not_satisfied": 4})
    _cast(client, world, "LC-HM", {"satisfied": 2})
    parts = [_figures(client, world, unit=u).json for u in ("DN", "HC", "HC-TT", "LC", "LC-HM")]
    province = _figures(client, world, unit="DN", subtree="1").json
    for level in ("very_satisfied", "satisfied", "not_satisfied"):
        assert province["counts"][level] == sum(p["counts"][level] for p in parts)
    assert province["n"] == 16
    # 11 satisfied of 16 = 68.75 -> 68.8; an average of the four shares would say 70.0
    assert province["satisfaction_rate"] == 68.8
    hc = _figures(client, world, unit="HC", subtree="1").json
    assert hc["n"] == 9 and hc["counts"]["satisfied"] == 5


def test_channel_filter_and_flagged_count(client, world):
    _cast(client, world, "HC", {"satisfied": 2}, channel="paper")
    _cast(client, world, "HC", {"not_satisfied": 1}, channel="web")
    _cast(client, world, "HC", {"satisfied": 1}, at="2026-12-02T12:00:00+00:00")  # ahead: flagged
    web = _figures(client, world, unit="HC", channel="web").json
    everything = _figures(client, world, unit="HC").json
    assert web["n"] == 1 and web["counts"]["not_satisfied"] == 1
    # the flagged vote was answered "in the future" and counts on the receipt day (2 December)
    assert everything["n"] == 3 and everything["flagged"] == 0
    dec = _figures(client, world, unit="HC", **{"from": "2026-12-01", "to": "2026-12-31"}).json
    assert dec["n"] == 0 and dec["flagged"] == 1


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"unit": "HC", "from": "2026-13-01"}, "from"),
        ({"unit": "HC", "to": "yesterday"}, "to"),
        ({"unit": "HC", "from": "2026-12-01", "to": "2026-11-01"}, "to"),
        ({"unit": "HC", "from": "2000-01-01", "to": "2026-01-01"}, "to"),
        ({"unit": "HC", "channel": "fax"}, "channel"),
        ({"unit": "HC", "subtree": "yes"}, "subtree"),
        ({"unit": "HC", "sort": "1"}, "sort"),
        ({}, "unit"),
    ],
)
def test_bad_parameters_are_422(client, world, params, field):
    r = _figures(client, world, **params)
    assert r.status_code == 422
    assert field in r.json["errors"]


def test_unknown_unit_is_404(client, world):
    r = _figures(client, world, unit="ZZ")
    assert r.status_code == 404 and "unit" in r.json["errors"]


def test_officer_sees_own_subtree_only(client, world):
    assert _figures(client, world, world.officer_token, unit="HC").status_code == 200
    assert _figures(client, world, world.officer_token, unit="HC-TT").status_code == 200
    assert _figures(client, world, world.officer_token, unit="LC").status_code == 403
    assert _figures(client, world, world.officer_token, unit="DN").status_code == 403
    assert _figures(client, world, world.device_token, unit="HC").status_code == 403
    r = client.get("/api/v1/figures", query_string={"unit": "HC", **MONTH})
    assert r.status_code == 401


def test_units_tree(client, world):
    r = client.get("/api/v1/units")
    assert r.status_code == 200
    (root,) = r.json["units"]
    assert root["code"] == "DN" and root["name"] == "Thành phố Đà Nẵng"
    assert [c["code"] for c in root["children"]] == ["HC", "LC"]
    assert root["children"][0]["children"][0]["name"] == "Phường Thạch Thang"


def test_healthz(client):
    r = client.get("/healthz")
    assert r.status_code == 200
    assert r.json["status"] == "ok" and r.json["schema"]


def test_ragged_ranges_add_whole_months_and_edge_days(client, world):
    # whole months come from the monthly rollup, the days around them from the daily one
    _cast(client, world, "HC", {"satisfied": 1}, at="2026-10-31T10:00:00+07:00")
    _cast(client, world, "HC", {"not_satisfied": 1}, at="2026-11-10T10:00:00+07:00")
    _cast(client, world, "HC", {"satisfied": 2}, at="2026-11-20T10:00:00+07:00")
    _cast(client, world, "HC", {"very_satisfied": 1}, at="2026-12-01T08:00:00+07:00")
    f = _figures(client, world, unit="HC", **{"from": "2026-11-15", "to": "2026-12-31"}).json
    assert f["counts"] == {"very_satisfied": 1, "satisfied": 2, "not_satisfied": 0}
    f = _figures(client, world, unit="HC", **{"from": "2026-10-31", "to": "2026-11-10"}).json
    assert f["counts"] == {"very_satisfied": 0, "satisfied": 1, "not_satisfied": 1}
    f = _figures(client, world, unit="HC", **{"from": "2026-10-01", "to": "2026-12-01"}).json
    assert f["n"] == 5
