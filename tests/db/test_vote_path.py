"""The kiosk vote path at the hardware's pace (issue 19): statements per vote, revocation with
warm caches in two app instances, and folding the subtree rollup exactly once."""

from __future__ import annotations

import threading
import time
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.pool import NullPool

from survey_app.db import get_db
from survey_app.models import Ballot, FoldQueue, Unit
from survey_app.services import breakdowns, folding
from survey_app.services import kiosk as kiosk_service
from tests.factories import vote
from tests.statements import counting

#: Statements (not counting BEGIN/COMMIT) one kiosk vote runs once caches are warm. PostgreSQL
#: runs the device check and one INSERT with data-modifying CTEs, the burst count a subquery
#: of it; SQLite has no data-modifying CTEs and counts the burst, stores the ballot, answers,
#: queue entry and own-unit cells apart.
BUDGET = {"postgresql": 2, "sqlite": 7}
TZ = ZoneInfo("Asia/Ho_Chi_Minh")


def _queued(session) -> int:
    session.rollback()
    return session.scalar(select(func.count()).select_from(FoldQueue))


def test_a_kiosk_vote_runs_at_most_its_statement_budget(app, client, world):
    auth = world.auth(world.device_token)
    for _ in range(3):  # warm the per-process caches
        assert client.post("/api/v1/votes", json=vote(), headers=auth).status_code == 201
    engine = get_db(app).engine
    with counting(engine) as counted:
        assert client.post("/api/v1/votes", json=vote("not_satisfied"),
                           headers=auth).status_code == 201
    assert len(counted) <= BUDGET[engine.dialect.name], "\n".join(counted.statements)


def test_a_burst_vote_keeps_burst_as_its_reason_when_its_clock_is_also_ahead(app, client, world):
    """The flag order the vote path keeps on both databases (PostgreSQL decides it inside the
    INSERT): a flag set before storing, then the burst rule, then the clock."""
    app.config.update(KIOSK_BURST_VOTES=2, KIOSK_BURST_SECONDS=30)
    auth = world.auth(world.device_token)
    ahead = datetime.now(timezone.utc) + timedelta(hours=2)  # beyond the 5-minute skew
    bodies = [vote(at=(ahead + timedelta(seconds=i)).isoformat()) for i in range(3)]
    got = [client.post("/api/v1/votes", json=body, headers=auth).json for body in bodies]
    assert [(g["status"], g["flag_reason"]) for g in got] == [
        ("flagged", "clock_ahead"), ("flagged", "clock_ahead"), ("flagged", "burst")]
    # a replay answers the stored reason (200), not a new judgement
    again = client.post("/api/v1/votes", json=bodies[2], headers=auth)
    assert again.status_code == 200 and again.json["flag_reason"] == "burst"


def test_revocation_refuses_the_next_vote_with_caches_warm_in_two_apps(app, world):
    """Two app instances on one database stand for two gunicorn workers: each has its own
    per-process caches warm when the other revokes the tablet."""
    from survey_app import create_app

    other = create_app({**app.config})
    auth = world.auth(world.device_token)
    first, second = app.test_client(), other.test_client()
    for client in (first, second):
        assert client.post("/api/v1/votes", json=vote(), headers=auth).status_code == 201
    with other.app_context():
        db = get_db(other)
        with db.transaction() as s:
            device = kiosk_service.device_by_token(s, world.device_token)[0]
            assert kiosk_service.revoke_device(s, device, datetime.now(timezone.utc))
    try:
        for client in (first, second):
            refused = client.post("/api/v1/votes", json=vote(), headers=auth)
            assert refused.status_code == 401 and refused.json["error"] == "revoked"
    finally:
        get_db(other).dispose()


def test_a_unit_merged_away_refuses_the_next_kiosk_vote_with_caches_warm(app, client, world,
                                                                         session):
    """The cached kiosk principal reads its unit's validity with the device check: a tablet
    whose commune was merged yesterday gets a clear 422 on its next vote, not a ballot."""
    auth = world.auth(world.device_token)
    assert client.post("/api/v1/votes", json=vote(), headers=auth).status_code == 201
    device = kiosk_service.device_by_token(session, world.device_token)[0]
    unit = session.get(Unit, device.unit_id)
    today = datetime.now(ZoneInfo("Asia/Ho_Chi_Minh")).date()
    unit.valid_to = today - timedelta(days=1)
    session.commit()
    refused = client.post("/api/v1/votes", json=vote(), headers=auth)
    assert refused.status_code == 422
    message = refused.json["errors"]["unit"]
    assert f"Đơn vị {unit.code} không còn hoặc chưa hoạt động vào ngày {today:%d/%m/%Y}" in message
    session.rollback()
    assert session.scalar(select(func.count()).select_from(Ballot)) == 1


def _ballots(client, auth, n):
    for i in range(n):
        level = ("very_satisfied", "satisfied", "not_satisfied")[i % 3]
        extra = {"answers": {"overall": level, "reasons": ["waiting_time"]}} \
            if level == "not_satisfied" else {}
        assert client.post("/api/v1/votes", json=vote(level, **extra),
                           headers=auth).status_code == 201


def _drift(session):
    session.rollback()
    return breakdowns.breakdown_drift(session, TZ)


def test_rollup_plus_queue_equals_a_recount_at_every_step_of_folding(app, client, world,
                                                                     session):
    _ballots(client, world.auth(world.device_token), 9)
    db = get_db(app)
    assert _drift(session) == 0 and _queued(session) == 9
    with db.transaction() as s:
        assert folding.fold_pending(s, TZ, batch=4) == 4
    assert _drift(session) == 0 and _queued(session) == 5
    live = breakdowns.live_breakdowns(session)
    assert live, "a fold of four ballots writes rows"
    with db.transaction() as s:
        assert folding.fold_pending(s, TZ) == 5
    assert _drift(session) == 0 and _queued(session) == 0
    folded = breakdowns.live_breakdowns(session)
    with db.transaction() as s:
        assert folding.fold_pending(s, TZ) == 0  # folding again changes nothing
    session.rollback()
    assert breakdowns.live_breakdowns(session) == folded
    assert folded == {k: v for k, v in breakdowns.counted_breakdowns(session, TZ).items() if v}


def test_two_folders_racing_fold_each_ballot_once(app, client, world, session):
    if get_db(app).engine.dialect.name != "postgresql":
        pytest.skip("SQLite serialises writers; the race needs PostgreSQL")
    _ballots(client, world.auth(world.device_token), 60)
    db = get_db(app)
    barrier = threading.Barrier(2)
    taken: list[int] = []

    def folder() -> None:
        with db.transaction() as s:
            barrier.wait()
            n = folding.fold_pending(s, TZ, batch=40)
            time.sleep(0.2)  # hold the claimed rows while the other folder claims
            taken.append(n)

    threads = [threading.Thread(target=folder) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(taken) == [20, 40]  # the second skipped the first one's forty
    assert _drift(session) == 0 and _queued(session) == 0


@pytest.mark.parametrize("fold_first", [True, False])
def test_reinstating_a_ballot_keeps_rollup_plus_queue_equal_to_a_recount(
        app, client, world, session, fold_first):
    """A burst-flagged ballot reinstated before or after it is folded counts once, as valid."""
    from survey_app.models import Ballot
    from survey_app.services.ballots import set_ballot_status

    at = datetime.now(timezone.utc).isoformat()
    auth = world.auth(world.device_token)
    for _ in range(7):  # the same answer time: the sixth and seventh are a burst
        assert client.post("/api/v1/votes", json=vote(at=at), headers=auth).status_code == 201
    db = get_db(app)
    if fold_first:
        with db.transaction() as s:
            assert folding.fold_pending(s, TZ) == 7
    with db.transaction() as s:
        flagged = s.scalars(select(Ballot).where(Ballot.status == "flagged")).all()
        assert len(flagged) == 2
        set_ballot_status(s, flagged[0], "valid", None, tz=TZ)
    assert _drift(session) == 0
    with db.transaction() as s:
        folding.fold_pending(s, TZ)
    assert _drift(session) == 0 and _queued(session) == 0


def test_the_worker_folds_the_queue_in_its_round(app, client, runner, world, session):
    """`flask worker` runs the folding job (no separate process needed): after one round the
    queue is empty and the subtree rollup equals a recount."""
    _ballots(client, world.auth(world.device_token), 6)
    assert _queued(session) == 6
    result = runner.invoke(args=["worker", "--once"])
    assert result.exit_code == 0, result.output
    assert "folding: 6 ballots" in result.output
    assert _queued(session) == 0
    assert _drift(session) == 0


def test_a_vote_after_postgresql_dropped_every_connection_is_stored_without_a_503(
        app, client, world, session):
    """The pool has no pre-ping (a round trip per request). When PostgreSQL has closed the
    pooled connections (a restart), the vote's first statement fails on its dead connection and
    runs again on a new one: the tablet gets its 201, not a 503 to retry."""
    engine = get_db(app).engine
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite has no server to drop connections")
    auth = world.auth(world.device_token)
    assert client.post("/api/v1/votes", json=vote(), headers=auth).status_code == 201
    session.close()
    assert engine.pool.checkedin() >= 1  # the vote's connection went back to the pool
    assert _drop_connections(engine) >= 1
    body = vote("not_satisfied")
    r = client.post("/api/v1/votes", json=body, headers=auth)
    assert r.status_code == 201, r.get_data(as_text=True)
    session.rollback()
    assert session.scalar(select(func.count()).select_from(Ballot)
                          .where(Ballot.client_id == r.json["client_id"])) == 1


def test_the_worker_keeps_running_when_postgresql_drops_its_connections(
        app, client, runner, world, session, monkeypatch):
    """A round that meets a dead connection says so and the next round does the work; the
    loop does not die with PostgreSQL's restart."""
    engine = get_db(app).engine
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite has no server to drop connections")
    assert runner.invoke(args=["worker", "--once"]).exit_code == 0  # pools a connection
    _ballots(client, world.auth(world.device_token), 3)
    session.close()
    assert _drop_connections(engine) >= 1
    rounds = []

    def sleep(_seconds: float) -> None:
        rounds.append(_seconds)
        if len(rounds) == 2:
            raise KeyboardInterrupt  # stop the loop after its second round

    monkeypatch.setattr("survey_app.cli.worker.time.sleep", sleep)
    result = runner.invoke(args=["worker"])
    assert len(rounds) == 2, result.output  # stopped by the test, not by the database
    assert "database unavailable (AdminShutdown); next round in" in result.stderr
    assert "folding: 3 ballots" in result.stdout
    assert _queued(session) == 0 and _drift(session) == 0


def _drop_connections(engine) -> int:
    """What a PostgreSQL restart does to a pool: every other connection to the database is
    closed by the server. Returns how many were."""
    admin = create_engine(engine.url, poolclass=NullPool)
    try:
        with admin.begin() as conn:
            return conn.execute(text(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()")).scalar()
    finally:
        admin.dispose()
