"""The kiosk vote path at the hardware's pace (issue 19): statements per vote, revocation with
warm caches in two app instances, and folding the subtree rollup exactly once."""

from __future__ import annotations

from survey_app.db import get_db
from tests.factories import vote
from tests.statements import counting

#: Statements (not counting BEGIN/COMMIT) one kiosk vote runs once caches are warm. PostgreSQL
#: runs the device check, the burst count and one INSERT with data-modifying CTEs; SQLite has
#: no data-modifying CTEs and stores the ballot, answers, queue entry and own-unit cells apart.
BUDGET = {"postgresql": 3, "sqlite": 7}


def test_a_kiosk_vote_runs_at_most_its_statement_budget(app, client, world):
    auth = world.auth(world.device_token)
    for _ in range(3):  # warm the per-process caches
        assert client.post("/api/v1/votes", json=vote(), headers=auth).status_code == 201
    engine = get_db(app).engine
    with counting(engine) as counted:
        assert client.post("/api/v1/votes", json=vote("not_satisfied"),
                           headers=auth).status_code == 201
    assert len(counted) <= BUDGET[engine.dialect.name], "\n".join(counted.statements)
