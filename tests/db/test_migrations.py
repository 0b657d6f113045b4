"""Migrations build the schema the models describe, on SQLite and PostgreSQL, both ways."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect, text

from survey_app.db import Base, alembic_config
from survey_app.domain.questionnaire import parse_definition


@pytest.fixture
def empty_url(databases):  # type: ignore[no-untyped-def]
    """A database with no tables (not even Alembic's), dropped afterwards."""
    url = databases.empty()
    yield url
    databases.drop(url)


def _postgresql_only_index_on_sqlite(diff, dialect: str) -> bool:
    """An index a migration creates on PostgreSQL only (``info={"postgresql_only": True}``)."""
    if dialect != "sqlite" or diff[0] != "add_index":
        return False
    declared = {i.name: i for i in Base.metadata.tables[diff[1].table.name].indexes}
    return bool(declared[diff[1].name].info.get("postgresql_only"))


def test_round_trip_and_no_drift(empty_url):
    url = empty_url
    cfg = alembic_config(url)
    command.upgrade(cfg, "head")
    engine = create_engine(url)
    with engine.connect() as conn:
        diff = [d for d in compare_metadata(MigrationContext.configure(conn), Base.metadata)
                if not _postgresql_only_index_on_sqlite(d, conn.dialect.name)]
        assert diff == [], f"models and migrations differ: {diff}"
        count = conn.execute(text(
            "SELECT count(*) FROM questionnaire WHERE code = 'KIOSK-3L' AND version = 1"
        )).scalar()
        assert count == 1
    command.downgrade(cfg, "base")
    with engine.connect() as conn:
        assert set(inspect(conn).get_table_names()) <= {"alembic_version"}
    command.upgrade(cfg, "head")
    with engine.connect() as conn:
        assert "ballot" in inspect(conn).get_table_names()
    engine.dispose()


def test_shipped_kiosk_definition_equals_the_migrated_version_1(session):
    from survey_app.models import Questionnaire

    path = Path(__file__).resolve().parents[2] / "survey_app/definitions/kiosk-3l.yaml"
    shipped = yaml.safe_load(path.read_text(encoding="utf-8"))
    stored = session.query(Questionnaire).filter_by(code="KIOSK-3L", version=1).one()
    assert stored.definition == shipped
    definition = parse_definition(stored.definition)
    assert [i.code for i in definition.items] == ["overall", "reasons", "comment"]
    assert [i.code for i in stored.items] == ["overall", "reasons", "comment"]


def test_counter_publication_migration_goes_both_ways(empty_url):
    """0014c adds the per-unit switch (off for existing units) and the v3 salts, and removes
    them again."""
    url = empty_url
    cfg = alembic_config(url)
    command.upgrade(cfg, "0013f")
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO unit (code, name, kind, created_at) "
                          "VALUES ('X', 'X', 'province', CURRENT_TIMESTAMP)"))
    command.upgrade(cfg, "0014c")
    with engine.connect() as conn:
        assert "snapshot_counter_salt" in inspect(conn).get_table_names()
        assert conn.execute(text("SELECT publish_counters FROM unit")).scalar() in (False, 0)
    command.downgrade(cfg, "0013f")
    with engine.connect() as conn:
        assert "snapshot_counter_salt" not in inspect(conn).get_table_names()
        assert "publish_counters" not in {c["name"] for c in inspect(conn).get_columns("unit")}
    engine.dispose()
