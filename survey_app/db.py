"""Database wiring: declarative base, engine, session-per-request, and every dialect difference.

Services take a :class:`~sqlalchemy.orm.Session`, flush and return; the request boundary (or the
click command) commits once. SQLite is the embedded default and needs care to behave like
PostgreSQL: foreign keys on, WAL, a busy timeout, and ``BEGIN IMMEDIATE`` for transactions that
write, since a deferred transaction that reads and then writes fails with SQLITE_BUSY without
honouring the timeout.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

from alembic.config import Config as AlembicConfig
from flask import Flask, Response, g, request
from sqlalchemy import Engine, MetaData, create_engine, event, func, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.pool import NullPool

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Base class of every model; its metadata is Alembic's target."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


T = TypeVar("T")
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
#: The repository's Alembic migrations (``migrations/`` beside the package).
MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"


def alembic_config(url: str) -> AlembicConfig:
    """Alembic configured for ``url`` with the repository's migrations (no alembic.ini needed)."""
    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["database_url"] = url
    return cfg


def make_engine(url: str, **kwargs: Any) -> Engine:
    """Create an engine with the settings each dialect needs to be safe under concurrent writes.

    Statement parameters are left out of error messages: they hold citizens' text, which must
    never reach a log line."""
    kwargs.setdefault("hide_parameters", True)
    if url.startswith("sqlite"):
        engine = create_engine(
            url, connect_args={"timeout": 30, "check_same_thread": False}, **kwargs
        )
        _configure_sqlite(engine)
        return engine
    # No pre-ping: it costs every request a round trip (a third of a kiosk vote's). A connection
    # that died with a PostgreSQL restart fails its first statement instead; SQLAlchemy then
    # drops the whole pool, the vote path retries on a new connection (first_statement) and
    # any other request answers 503 once per worker, which clients retry.
    kwargs.setdefault("pool_size", 10)
    kwargs.setdefault("max_overflow", 10)
    return create_engine(url, **kwargs)


def first_statement(session: Session, run: Callable[[], T]) -> T:
    """``run()``, the first statement of the session's transaction, once more on a new
    connection when the pooled one turned out dead (PostgreSQL restarted since it was last
    used; the pool has no pre-ping). Nothing ran before it in this transaction, so running it
    again repeats nothing; later statements are not retried."""
    if session.in_transaction():
        return run()
    try:
        return run()
    except DBAPIError as exc:
        if not exc.connection_invalidated:
            raise
        session.rollback()
        return run()


def prefer_custom_plans(session: Session) -> None:
    """Plan every statement of this transaction for its own parameters (PostgreSQL).

    psycopg prepares a statement from its fifth run on a connection, and PostgreSQL may then
    plan it once for any parameters. For the dashboard's subtree reads that generic plan was
    2–4x slower (bench/README.md); planning each run costs little there. The vote path keeps
    its cached plans: this lasts only until the transaction ends.
    """
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SET LOCAL plan_cache_mode = force_custom_plan"))


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # Let SQLAlchemy, not pysqlite, decide when transactions begin (needed for savepoints
        # and for BEGIN IMMEDIATE below).
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        # Unicode case folding for text search: SQLite's own lower() folds ASCII only, so
        # "CHỜ" would not find "chờ" (see contains_text).
        dbapi_conn.create_function("casefold", 1, _casefold, deterministic=True)
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=30000")
        if ":memory:" not in str(engine.url):
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        mode = conn.get_execution_options().get("sqlite_begin", "IMMEDIATE")
        conn.exec_driver_sql(f"BEGIN {mode}")


def _casefold(value: Any) -> Any:
    return value.casefold() if isinstance(value, str) else value


def contains_text(session: Session, column: Any, needle: str) -> Any:
    """A WHERE clause: ``column`` contains ``needle``, ignoring case (Vietnamese letters too);
    ``%`` and ``_`` in the needle are plain characters. PostgreSQL: ``ILIKE``, which the
    trigram index of the column serves; SQLite: a scan over ``casefold(column) LIKE``."""
    sqlite_db = session.get_bind().dialect.name == "sqlite"
    if sqlite_db:
        needle = needle.casefold()
    escaped = needle.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    if sqlite_db:
        return func.casefold(column).like(f"%{escaped}%", escape="\\")
    return column.ilike(f"%{escaped}%", escape="\\")


def insert_for(session: Session, table: Any) -> Any:
    """A dialect ``INSERT`` that supports ``on_conflict_do_update`` / ``on_conflict_do_nothing``."""
    name = session.get_bind().dialect.name
    if name == "postgresql":
        return postgresql.insert(table)
    if name == "sqlite":
        return sqlite.insert(table)
    raise NotImplementedError(f"no upsert for dialect {name}")


def lock_key(session: Session, purpose: str, key: str) -> None:
    """Hold a lock on ``(purpose, key)`` until the transaction ends, for a check-then-insert
    with no row to lock yet (e.g. "does this dossier have a code?"). PostgreSQL: a
    transaction-level advisory lock on a hash of the key; SQLite serialises writers anyway."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(hashtext(:purpose), hashtext(:key))"),
                        {"purpose": purpose, "key": key})


def month_start(session: Session, column: Any) -> Any:
    """SQL for the first day of ``column``'s month, as a DATE, on each dialect."""
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy import Date, cast, func

        return cast(func.date_trunc("month", column), Date)
    from sqlalchemy import Date, func, literal_column

    return func.date(column, literal_column("'start of month'"), type_=Date)


class Database:
    """The engine and session factory bound to one app (kept in ``app.extensions['db']``)."""

    def __init__(self, url: str, engine_options: Mapping[str, Any] | None = None) -> None:
        self.url = url
        self.engine = make_engine(url, **dict(engine_options or {}))
        self._factory = sessionmaker(self.engine, expire_on_commit=False)
        self._read_factory = sessionmaker(
            self.engine.execution_options(sqlite_begin="DEFERRED"), expire_on_commit=False
        )

    def session(self, *, readonly: bool = False) -> Session:
        return (self._read_factory if readonly else self._factory)()

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """One unit of work for commands and scripts: commit on success, roll back on error."""
        session = self.session()
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    def dispose(self) -> None:
        self.engine.dispose()


def init_app(app: Flask) -> Database:
    options = app.config.get("ENGINE_OPTIONS") or {}
    if app.config.get("TESTING") and not options:
        options = {"poolclass": NullPool} if app.config["DATABASE_URL"].startswith("sqlite") else {}
    database = Database(app.config["DATABASE_URL"], options)
    app.extensions["db"] = database

    @app.after_request
    def _commit_session(response: Response) -> Response:
        # The one commit of a request. It runs before the response leaves, so a failed commit
        # becomes an error response instead of a 201 for a vote that was never stored.
        session: Session | None = g.get("db_session")
        if session is not None:
            if response.status_code < 400:
                session.commit()
            else:
                session.rollback()
        return response

    @app.teardown_request
    def _close_session(_exc: BaseException | None) -> None:
        session: Session | None = g.pop("db_session", None)
        if session is not None:
            session.close()  # rolls back whatever was not committed

    return database


def get_db(app: Flask) -> Database:
    return app.extensions["db"]


def get_session() -> Session:
    """The request's session, created on first use and committed once when the request ends."""
    from flask import current_app

    session: Session | None = g.get("db_session")
    if session is None:
        readonly = request.method in SAFE_METHODS
        session = get_db(current_app._get_current_object()).session(readonly=readonly)  # type: ignore[attr-defined]
        g.db_session = session
    return session

