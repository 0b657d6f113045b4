"""Backups are only real if they restore: pg_dump the database, restore it into a new one,
and find the same ballots and a rollup that still matches them (docs/deploy.md)."""

from __future__ import annotations

import shutil
import subprocess

import pytest
from sqlalchemy import create_engine, func, select
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from survey_app.models import Ballot, DailyTally
from survey_app.services import tallies
from tests.factories import build_world, vote


def test_pg_dump_restores_to_an_identical_database(databases, database_url, client, session,
                                                   tmp_path):
    if databases.dialect != "postgresql":
        pytest.skip("the backup procedure is for PostgreSQL")
    if not shutil.which("pg_dump"):
        pytest.fail("pg_dump is missing: install postgresql-client")
    world = build_world(session)
    for level in ("very_satisfied", "satisfied", "not_satisfied", "satisfied"):
        assert client.post("/api/v1/votes", json=vote(level),
                           headers=world.auth(world.device_token)).status_code == 201
    source = make_url(database_url)
    dump = tmp_path / "survey.dump"
    args = ["-h", source.host or "127.0.0.1", "-U", source.username or "postgres"]
    subprocess.run(["pg_dump", *args, "-Fc", "-f", str(dump), source.database], check=True)
    target = databases.empty()
    try:
        subprocess.run(["pg_restore", *args, "--no-owner", "-d", make_url(target).database,
                        str(dump)], check=True)
        engine = create_engine(target)
        with Session(engine) as restored:
            assert restored.scalar(select(func.count()).select_from(Ballot)) == 4
            assert restored.scalar(select(func.sum(DailyTally.count))) == 4
            assert tallies.live_tallies(restored) == tallies.counted_tallies(restored)
            assert tallies.monthly_drift(restored) == 0
            version = restored.connection().exec_driver_sql(
                "SELECT version_num FROM alembic_version").scalar()
        session.rollback()
        assert version == session.connection().exec_driver_sql(
            "SELECT version_num FROM alembic_version").scalar()
        engine.dispose()
    finally:
        databases.drop(target)
