"""Fixtures: an app on a freshly migrated database per test, SQLite or PostgreSQL.

``SURVEY_TEST_DATABASE_URL`` (a PostgreSQL server URL, e.g.
``postgresql+psycopg://postgres@127.0.0.1/postgres``) runs the suite on PostgreSQL: the schema is
migrated once into a template database and each test gets a copy. Without it each test gets a
copy of a migrated SQLite file. Tests commit for real; nothing is shared between tests.
"""

from __future__ import annotations

import itertools
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from survey_app import create_app
from survey_app.db import alembic_config, get_db
from tests.factories import build_world
from tests.settings import PG_URL, SECRET

_counter = itertools.count()


class DatabaseFactory:
    """Hands out fresh, migrated databases and cleans them up."""

    def __init__(self, tmp: Path) -> None:
        self.tmp = tmp
        self.template: str | None = None
        if PG_URL:
            self.server = make_url(PG_URL)
            self.admin = create_engine(self.server, isolation_level="AUTOCOMMIT")
            self.prefix = f"survey_test_{os.getpid()}"
            self._create(f"{self.prefix}_tmpl")
            self.template = f"{self.prefix}_tmpl"
            command.upgrade(alembic_config(self.url_for(self.template)), "head")
        else:
            self.template_file = tmp / "template.sqlite3"
            command.upgrade(alembic_config(f"sqlite:///{self.template_file}"), "head")

    @property
    def dialect(self) -> str:
        return "postgresql" if PG_URL else "sqlite"

    def url_for(self, name: str) -> str:
        return self.server.set(database=name).render_as_string(hide_password=False)

    def _create(self, name: str, template: str | None = None) -> None:
        with self.admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
            suffix = f' TEMPLATE "{template}" STRATEGY FILE_COPY' if template else ""
            conn.execute(text(f'CREATE DATABASE "{name}"{suffix}'))

    def fresh(self) -> str:
        """A migrated database for one test."""
        n = next(_counter)
        if PG_URL:
            name = f"{self.prefix}_{n}"
            self._create(name, self.template)
            return self.url_for(name)
        path = self.tmp / f"test_{n}.sqlite3"
        shutil.copyfile(self.template_file, path)
        return f"sqlite:///{path}"

    def empty(self) -> str:
        """An unmigrated database (for migration tests)."""
        n = next(_counter)
        if PG_URL:
            name = f"{self.prefix}_{n}"
            self._create(name)
            return self.url_for(name)
        return f"sqlite:///{self.tmp / f'empty_{n}.sqlite3'}"

    def drop(self, url: str) -> None:
        if PG_URL:
            name = make_url(url).database
            with self.admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))

    def close(self) -> None:
        if PG_URL:
            assert self.template
            self.drop(self.url_for(self.template))
            self.admin.dispose()


@pytest.fixture(scope="session")
def databases(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DatabaseFactory]:
    factory = DatabaseFactory(tmp_path_factory.mktemp("db"))
    yield factory
    factory.close()


@pytest.fixture
def database_url(databases: DatabaseFactory) -> Iterator[str]:
    url = databases.fresh()
    yield url
    databases.drop(url)


@pytest.fixture
def app(database_url: str, tmp_path: Path):  # type: ignore[no-untyped-def]
    # Each test has its own database, but the public pages remember rendered bodies per
    # process by publication state, which can be the same in two test databases.
    from survey_app.web import open_results

    open_results._bodies.clear()
    open_results._state.clear()
    app = create_app({
        "TESTING": True,
        "DATABASE_URL": database_url,
        "SECRET_KEY": SECRET,
        "MIN_N": 30,
        "PUBLIC_STATE_SECONDS": 0,  # tests publish and look at once (one process)
        # e-mail tests count their messages; tests/db/test_digest.py turns the digest on
        "WEEKLY_DIGEST": 0,
    })
    app.instance_path = str(tmp_path / "instance")
    yield app
    get_db(app).dispose()


@pytest.fixture
def client(app):  # type: ignore[no-untyped-def]
    return app.test_client()


@pytest.fixture
def runner(app):  # type: ignore[no-untyped-def]
    return app.test_cli_runner()


@pytest.fixture
def session(app):  # type: ignore[no-untyped-def]
    """A session for arranging and checking data; the test commits what it arranges.

    Reads begin DEFERRED on SQLite so they do not hold the write lock; helpers roll back
    before reading, so each check sees what requests committed since.
    """
    s = get_db(app).session(readonly=True)
    yield s
    s.close()


@pytest.fixture
def world(session):  # type: ignore[no-untyped-def]
    """The units, counter, users and tokens of :func:`tests.factories.build_world`.

    A module that needs a different world defines its own ``world`` fixture, which wins
    (tests/db/test_index.py: the index demo; tests/browser/test_kiosk.py).
    """
    return build_world(session)
