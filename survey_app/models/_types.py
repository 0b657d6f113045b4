"""Column helpers shared by the models."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timezone

from sqlalchemy import BigInteger, CheckConstraint, DateTime, Dialect, Integer
from sqlalchemy.types import TypeDecorator


def utcnow() -> datetime:
    """Callable default: evaluated per row, never at import."""
    return datetime.now(timezone.utc)


def one_of(column: str, values: Iterable[str], name: str) -> CheckConstraint:
    """A CHECK that a string column holds one of ``values`` (enums behave the same everywhere)."""
    quoted = ", ".join("'" + v.replace("'", "''") + "'" for v in values)
    return CheckConstraint(f"{column} IN ({quoted})", name=name)


class UTCDateTime(TypeDecorator[datetime]):
    """An aware UTC timestamp on every dialect (SQLite would hand back naive values)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("timestamps must be timezone-aware")
        value = value.astimezone(timezone.utc)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc)


#: Integer primary keys that are 64-bit on PostgreSQL and the rowid alias on SQLite.
BigId = BigInteger().with_variant(Integer(), "sqlite")
